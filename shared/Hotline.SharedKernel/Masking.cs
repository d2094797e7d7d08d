namespace Hotline.SharedKernel;

/// <summary>Masks personal data for viewers who do not need it in full (PIPL).</summary>
public static class Masking
{
    /// <summary>138****1234 for an 11-digit mobile; keeps the first three and last four of longer numbers, stars the rest.</summary>
    public static string Phone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return string.Empty;
        }

        var p = phone.Trim();
        if (p.Length <= 4)
        {
            return new string('*', p.Length);
        }

        if (p.Length <= 7)
        {
            return string.Concat(new string('*', p.Length - 4), p.AsSpan(p.Length - 4));
        }

        return string.Concat(p.AsSpan(0, 3), new string('*', p.Length - 7), p.AsSpan(p.Length - 4));
    }

    /// <summary>张** for a Chinese name; the first letter and stars for others.</summary>
    public static string Name(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        var n = name.Trim();
        return n.Length == 1 ? "*" : string.Concat(n.AsSpan(0, 1), new string('*', n.Length - 1));
    }
}
