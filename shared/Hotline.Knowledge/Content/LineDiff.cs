namespace Hotline.Knowledge.Content;

/// <summary>How a line of the comparison changed.</summary>
internal enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a comparison: unchanged, only in the older text, or only in the newer one.</summary>
internal sealed record DiffLine(DiffKind Kind, string Text, int? OldLine, int? NewLine);

/// <summary>A line comparison of two texts by their longest common subsequence (articles are short).</summary>
internal static class LineDiff
{
    public static IReadOnlyList<DiffLine> Compare(string? older, string? newer)
    {
        var a = Lines(older);
        var b = Lines(newer);
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var result = new List<DiffLine>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                result.Add(new DiffLine(DiffKind.Same, a[x], x + 1, y + 1));
                x++;
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                result.Add(new DiffLine(DiffKind.Removed, a[x], x + 1, null));
                x++;
            }
            else
            {
                result.Add(new DiffLine(DiffKind.Added, b[y], null, y + 1));
                y++;
            }
        }

        for (; x < a.Length; x++)
        {
            result.Add(new DiffLine(DiffKind.Removed, a[x], x + 1, null));
        }

        for (; y < b.Length; y++)
        {
            result.Add(new DiffLine(DiffKind.Added, b[y], null, y + 1));
        }

        return result;
    }

    private static string[] Lines(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
