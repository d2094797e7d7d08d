using System.Text;

namespace Hotline.Knowledge.Search;

/// <summary>
/// The pinyin initials of Chinese text (出租车 → czc) for the as-you-type box and for homophone typos (出祖车 → czc).
/// GB2312's first level (the 3,755 most common characters) is ordered by pinyin, so the initial of such a character
/// follows from its GB2312 code and the first code of each initial; other characters are left out. Polyphonic
/// characters get the reading GB2312 files them under (usually the common one).
/// </summary>
internal static class PinyinInitials
{
    private static readonly Encoding Gb2312 = CreateEncoding();

    // First GB2312 code (high byte × 256 + low byte) of each initial; i, u and v start no syllable.
    private static readonly (int Start, char Initial)[] Starts =
    [
        (0xB0A1, 'a'), (0xB0C5, 'b'), (0xB2C1, 'c'), (0xB4EE, 'd'), (0xB6EA, 'e'), (0xB7A2, 'f'), (0xB8C1, 'g'), (0xB9FE, 'h'),
        (0xBBF7, 'j'), (0xBFA6, 'k'), (0xC0AC, 'l'), (0xC2E8, 'm'), (0xC4C3, 'n'), (0xC5B6, 'o'), (0xC5BE, 'p'), (0xC6DA, 'q'),
        (0xC8BB, 'r'), (0xC8F6, 's'), (0xCBFA, 't'), (0xCDDA, 'w'), (0xCEF4, 'x'), (0xD1B9, 'y'), (0xD4D1, 'z'),
    ];

    private const int LevelOneEnd = 0xD7F9;

    /// <summary>The initial of one character: a–z for a common Chinese character, the lower-cased letter or digit for
    /// ASCII, otherwise null.</summary>
    public static char? Of(char c)
    {
        if (c < 128)
        {
            return char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : null;
        }

        if (c < 0x4E00 || c > 0x9FFF)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[4];
        var n = Gb2312.GetBytes([c], bytes);
        if (n != 2)
        {
            return null;
        }

        var code = (bytes[0] << 8) | bytes[1];
        if (code < Starts[0].Start || code > LevelOneEnd)
        {
            return null;
        }

        var initial = Starts[0].Initial;
        foreach (var (start, letter) in Starts)
        {
            if (code < start)
            {
                break;
            }

            initial = letter;
        }

        return initial;
    }

    /// <summary>The initials of the Chinese characters (and ASCII letters/digits) of <paramref name="text"/>.</summary>
    public static string Of(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (Of(c) is { } i)
            {
                sb.Append(i);
            }
        }

        return sb.ToString();
    }

    /// <summary>True when every character is Chinese (so its initials stand for it one to one).</summary>
    public static bool IsChinese(string text) => text.Length > 0 && text.All(c => c is >= '\u4E00' and <= '\u9FFF');

    private static Encoding CreateEncoding()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding("GB2312", EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
    }
}
