using System.Globalization;
using System.Net;
using System.Text;

namespace Hotline.Telephony.Sip.Messages;

/// <summary>A SIP URI (RFC 3261 §19.1): <c>sip:user@host:port;params</c>. The user part is unescaped.</summary>
internal sealed record SipUri(string Scheme, string? User, string Host, int? Port, IReadOnlyDictionary<string, string?> Parameters)
{
    public static bool TryParse(string? text, out SipUri uri)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        if (scheme is not ("sip" or "sips" or "tel"))
        {
            return false;
        }

        var rest = text[(colon + 1)..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            rest = rest[..q];
        }

        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = Unescape(rest[..at].Split(':')[0]);
            rest = rest[(at + 1)..];
        }

        var segments = rest.Split(';');
        var hostPort = segments[0];
        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in segments.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                parameters[p.Trim()] = null;
            }
            else
            {
                parameters[p[..eq].Trim()] = p[(eq + 1)..].Trim();
            }
        }

        if (scheme == "tel")
        {
            uri = new SipUri(scheme, Unescape(hostPort), string.Empty, null, parameters);
            return hostPort.Length > 0;
        }

        string host;
        int? port = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.StartsWith(':'))
            {
                if (!int.TryParse(after[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var p2))
                {
                    return false;
                }

                port = p2;
            }
        }
        else
        {
            var pc = hostPort.LastIndexOf(':');
            if (pc >= 0)
            {
                if (!int.TryParse(hostPort[(pc + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p2) || p2 > 65535)
                {
                    return false;
                }

                port = p2;
                host = hostPort[..pc];
            }
            else
            {
                host = hostPort;
            }
        }

        if (host.Length == 0)
        {
            return false;
        }

        uri = new SipUri(scheme, user, host, port, parameters);
        return true;
    }

    /// <summary>The host and port as an IP endpoint when the host is an IP literal.</summary>
    public IPEndPoint? ToEndPoint(int defaultPort = 5060) =>
        IPAddress.TryParse(Host, out var ip) ? new IPEndPoint(ip, Port ?? defaultPort) : null;

    public string? Transport => Parameters.TryGetValue("transport", out var t) ? t : null;

    public static string Unescape(string s)
    {
        if (!s.Contains('%', StringComparison.Ordinal))
        {
            return s;
        }

        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Scheme).Append(':');
        if (User is not null)
        {
            sb.Append(User).Append('@');
        }

        sb.Append(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host);
        if (Port is not null)
        {
            sb.Append(':').Append(Port.Value.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var p in Parameters)
        {
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }

        return sb.ToString();
    }
}

/// <summary>A name-addr or addr-spec with header parameters (From, To, Contact): <c>"Name" &lt;sip:…&gt;;tag=x</c>.</summary>
internal sealed record NameAddress(string? DisplayName, string Uri, IReadOnlyDictionary<string, string?> Parameters)
{
    public string? Tag => Parameters.TryGetValue("tag", out var t) ? t : null;

    public SipUri? SipUri => Messages.SipUri.TryParse(Uri, out var u) ? u : null;

    public static bool TryParse(string? text, out NameAddress address)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        string? display = null;
        string uri;
        string paramText;
        var lt = IndexOutsideQuotes(text, '<');
        if (lt >= 0)
        {
            var gt = text.IndexOf('>', lt);
            if (gt < 0)
            {
                return false;
            }

            display = text[..lt].Trim();
            if (display.StartsWith('"') && display.EndsWith('"') && display.Length >= 2)
            {
                display = display[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            if (display.Length == 0)
            {
                display = null;
            }

            uri = text[(lt + 1)..gt].Trim();
            paramText = text[(gt + 1)..];
        }
        else
        {
            if (text == "*")
            {
                address = new NameAddress(null, "*", new Dictionary<string, string?>());
                return true;
            }

            // addr-spec: parameters after the URI belong to the header (RFC 3261 §20.10).
            var semi = text.IndexOf(';', StringComparison.Ordinal);
            uri = semi < 0 ? text : text[..semi];
            paramText = semi < 0 ? string.Empty : text[semi..];
        }

        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in paramText.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                parameters[p.Trim()] = null;
            }
            else
            {
                parameters[p[..eq].Trim()] = p[(eq + 1)..].Trim().Trim('"');
            }
        }

        address = new NameAddress(display, uri, parameters);
        return uri.Length > 0;
    }

    private static int IndexOutsideQuotes(string s, char c)
    {
        var quoted = false;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && quoted)
            {
                i++;
                continue;
            }

            if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && s[i] == c)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>One Via value (RFC 3261 §20.42).</summary>
internal sealed record SipVia(string Transport, string Host, int? Port, IReadOnlyDictionary<string, string?> Parameters)
{
    public const string MagicCookie = "z9hG4bK";

    public string? Branch => Parameters.TryGetValue("branch", out var b) ? b : null;

    public bool HasRport => Parameters.ContainsKey("rport");

    public static bool TryParse(string? text, out SipVia via)
    {
        via = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var proto = text.Trim();
        var sp = proto.IndexOfAny([' ', '\t']);
        if (sp < 0)
        {
            return false;
        }

        var sentProtocol = proto[..sp].Split('/');
        if (sentProtocol.Length != 3)
        {
            return false;
        }

        var rest = proto[sp..].Trim();
        var segments = rest.Split(';');
        var hostPort = segments[0].Trim();
        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in segments.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            parameters[eq < 0 ? p.Trim() : p[..eq].Trim()] = eq < 0 ? null : p[(eq + 1)..].Trim();
        }

        if (!SipUri.TryParse("sip:" + hostPort, out var hp))
        {
            return false;
        }

        via = new SipVia(sentProtocol[2].Trim().ToUpperInvariant(), hp.Host, hp.Port, parameters);
        return true;
    }
}

/// <summary>The CSeq header: sequence number and method.</summary>
internal readonly record struct SipCSeq(uint Number, string Method)
{
    public static bool TryParse(string? text, out SipCSeq cseq)
    {
        cseq = default;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > int.MaxValue)
        {
            return false;
        }

        cseq = new SipCSeq(n, parts[1]);
        return true;
    }

    public override string ToString() => $"{Number.ToString(CultureInfo.InvariantCulture)} {Method}";
}
