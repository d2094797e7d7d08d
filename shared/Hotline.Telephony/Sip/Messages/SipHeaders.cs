using System.Text;

namespace Hotline.Telephony.Sip.Messages;

/// <summary>
/// The header fields of a SIP message in arrival order. Names compare case-insensitively and compact forms
/// (<c>v</c>, <c>f</c>, <c>i</c>…) are expanded on parse; unknown headers are kept verbatim.
/// </summary>
internal sealed class SipHeaders
{
    private static readonly Dictionary<string, string> Compact = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v"] = "Via", ["f"] = "From", ["t"] = "To", ["i"] = "Call-ID", ["m"] = "Contact", ["c"] = "Content-Type",
        ["l"] = "Content-Length", ["s"] = "Subject", ["k"] = "Supported", ["e"] = "Content-Encoding", ["o"] = "Event",
        ["r"] = "Refer-To", ["u"] = "Allow-Events", ["x"] = "Session-Expires", ["b"] = "Referred-By",
        ["a"] = "Accept-Contact", ["j"] = "Reject-Contact", ["d"] = "Request-Disposition",
    };

    private static readonly Dictionary<string, string> Canonical = new(StringComparer.OrdinalIgnoreCase)
    {
        ["via"] = "Via", ["from"] = "From", ["to"] = "To", ["call-id"] = "Call-ID", ["cseq"] = "CSeq",
        ["contact"] = "Contact", ["content-type"] = "Content-Type", ["content-length"] = "Content-Length",
        ["max-forwards"] = "Max-Forwards", ["www-authenticate"] = "WWW-Authenticate", ["authorization"] = "Authorization",
        ["proxy-authenticate"] = "Proxy-Authenticate", ["proxy-authorization"] = "Proxy-Authorization",
        ["record-route"] = "Record-Route", ["route"] = "Route", ["expires"] = "Expires", ["require"] = "Require",
        ["supported"] = "Supported", ["unsupported"] = "Unsupported", ["allow"] = "Allow", ["user-agent"] = "User-Agent",
        ["server"] = "Server", ["session-expires"] = "Session-Expires", ["min-se"] = "Min-SE",
    };

    /// <summary>Headers whose values may be comma-separated lists that mean several header lines.</summary>
    private static readonly HashSet<string> ListHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Via", "Contact", "Route", "Record-Route", "Require", "Supported", "Allow", "Proxy-Require", "Unsupported",
    };

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> CompactBySpan =
        Compact.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> CanonicalBySpan =
        Canonical.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly List<KeyValuePair<string, string>> _items = [];

    public int Count => _items.Count;

    /// <summary>Changes with every edit, so parsed views of the headers (see <see cref="SipMessage"/>) know when to re-read.</summary>
    internal int Version { get; private set; }

    public IEnumerable<KeyValuePair<string, string>> All => _items;

    public static string Normalize(string name)
    {
        name = name.Trim();
        if (Compact.TryGetValue(name, out var full))
        {
            return full;
        }

        return Canonical.TryGetValue(name, out var canon) ? canon : name;
    }

    /// <summary>The canonical name for a header name read off the wire: a shared string for known names, no allocation.</summary>
    public static string Normalize(ReadOnlySpan<char> name)
    {
        name = name.Trim();
        if (CompactBySpan.TryGetValue(name, out var full))
        {
            return full;
        }

        return CanonicalBySpan.TryGetValue(name, out var canon) ? canon : name.ToString();
    }

    public void Add(string name, string value)
    {
        _items.Add(new(Normalize(name), value.Trim()));
        Version++;
    }

    /// <summary>Adds a header whose name is already canonical and whose value is trimmed (the parser's path).</summary>
    internal void AddNormalized(string name, string value)
    {
        _items.Add(new(name, value));
        Version++;
    }

    public void Insert(int index, string name, string value)
    {
        _items.Insert(index, new(Normalize(name), value.Trim()));
        Version++;
    }

    /// <summary>The first value of the header, or null.</summary>
    public string? this[string name]
    {
        get
        {
            name = Normalize(name);
            foreach (var kv in _items)
            {
                if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return ListHeaders.Contains(name) ? FirstListValue(kv.Value) : kv.Value;
                }
            }

            return null;
        }
        set
        {
            Remove(name);
            if (value is not null)
            {
                Add(name, value);
            }
        }
    }

    /// <summary>Every value of the header, list headers split at top-level commas.</summary>
    public List<string> GetAll(string name)
    {
        name = Normalize(name);
        var result = new List<string>();
        foreach (var kv in _items)
        {
            if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                if (ListHeaders.Contains(name))
                {
                    result.AddRange(SplitList(kv.Value));
                }
                else
                {
                    result.Add(kv.Value);
                }
            }
        }

        return result;
    }

    /// <summary>Copies every line of a header to <paramref name="target"/> as it is (list values stay joined).</summary>
    public void CopyAll(string name, SipHeaders target)
    {
        name = Normalize(name);
        foreach (var kv in _items)
        {
            if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                target.AddNormalized(name, kv.Value);
            }
        }
    }

    public bool Contains(string name)
    {
        name = Normalize(name);
        foreach (var kv in _items)
        {
            if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public void Remove(string name)
    {
        name = Normalize(name);
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _items.RemoveAt(i);
            }
        }

        Version++;
    }

    /// <summary>Removes the first value of a (possibly comma-joined) list header such as Via.</summary>
    public void RemoveFirstValue(string name)
    {
        name = Normalize(name);
        var i = _items.FindIndex(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase));
        if (i < 0)
        {
            return;
        }

        var values = SplitList(_items[i].Value);
        if (values.Count <= 1)
        {
            _items.RemoveAt(i);
        }
        else
        {
            _items[i] = new(name, string.Join(", ", values.Skip(1)));
        }

        Version++;
    }

    /// <summary>
    /// The first element of a list header value: the value itself (no allocation) when it holds one element, as nearly
    /// every header does; otherwise what <see cref="SplitList"/> would give first.
    /// </summary>
    public static string FirstListValue(string value)
    {
        bool quoted = false, angle = false;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (quoted && ch == '\\')
            {
                i++;
            }
            else if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && ch == '<')
            {
                angle = true;
            }
            else if (!quoted && ch == '>')
            {
                angle = false;
            }
            else if (!quoted && !angle && ch == ',')
            {
                return SplitList(value) is { Count: > 0 } parts ? parts[0] : value;
            }
        }

        return value;
    }

    public SipHeaders Clone()
    {
        var copy = new SipHeaders();
        copy._items.AddRange(_items);
        return copy;
    }

    /// <summary>Splits at commas that are outside quotes and angle brackets.</summary>
    public static List<string> SplitList(string value)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false, angle = false;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (quoted && ch == '\\' && i + 1 < value.Length)
            {
                sb.Append(ch).Append(value[++i]);
                continue;
            }

            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && ch == '<')
            {
                angle = true;
            }
            else if (!quoted && ch == '>')
            {
                angle = false;
            }
            else if (!quoted && !angle && ch == ',')
            {
                var part = sb.ToString().Trim();
                if (part.Length > 0)
                {
                    parts.Add(part);
                }

                sb.Clear();
                continue;
            }

            sb.Append(ch);
        }

        var last = sb.ToString().Trim();
        if (last.Length > 0)
        {
            parts.Add(last);
        }

        return parts;
    }
}
