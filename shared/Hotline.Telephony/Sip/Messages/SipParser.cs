using System.Globalization;
using System.Text;

namespace Hotline.Telephony.Sip.Messages;

/// <summary>Why a datagram or stream frame could not be read as SIP.</summary>
internal enum SipParseError
{
    None,
    Incomplete,
    BadStartLine,
    BadHeader,
    MissingHeader,
    BadCSeq,
    BadContentLength,
    UnsupportedVersion,
}

/// <summary>Result of parsing: the message, or the error with whatever request header fields could be read.</summary>
internal readonly record struct SipParseResult(SipMessage? Message, SipParseError Error, string Detail, SipRequest? Partial = null)
{
    public bool Ok => Message is not null && Error == SipParseError.None;
}

/// <summary>
/// Reads SIP messages (RFC 3261 §7) tolerant of real-world variation: compact headers, folded lines, any case, LF-only
/// line ends, extra whitespace. Malformed requests keep their parsed parts so a 400 can still be answered.
/// </summary>
internal static class SipParser
{
    private static readonly string[] Mandatory = ["Via", "From", "To", "Call-ID", "CSeq"];
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Finds the end of the header block; returns the body start index or -1.</summary>
    public static int FindHeaderEnd(ReadOnlySpan<byte> data, out int headerLength)
    {
        for (var i = 0; i < data.Length - 1; i++)
        {
            if (data[i] == '\n')
            {
                if (data[i + 1] == '\n')
                {
                    headerLength = i;
                    return i + 2;
                }

                if (data[i + 1] == '\r' && i + 2 < data.Length && data[i + 2] == '\n')
                {
                    headerLength = i;
                    return i + 3;
                }
            }
        }

        headerLength = -1;
        return -1;
    }

    /// <summary>Parses one datagram (UDP) or one framed message (TCP, body already delimited).</summary>
    public static SipParseResult Parse(ReadOnlySpan<byte> data, bool stream = false)
    {
        // RFC 5626 keep-alives and leading CRLFs are not messages.
        var start = 0;
        while (start < data.Length && (data[start] == '\r' || data[start] == '\n'))
        {
            start++;
        }

        data = data[start..];
        if (data.IsEmpty)
        {
            return new(null, SipParseError.Incomplete, "empty");
        }

        var bodyStart = FindHeaderEnd(data, out var headerLength);
        if (bodyStart < 0)
        {
            if (stream)
            {
                return new(null, SipParseError.Incomplete, "no end of headers");
            }

            headerLength = data.Length;
            bodyStart = data.Length;
        }

        string head;
        try
        {
            head = StrictUtf8.GetString(data[..headerLength]);
        }
        catch (DecoderFallbackException)
        {
            return new(null, SipParseError.BadStartLine, "not UTF-8");
        }

        var firstEnd = head.IndexOf('\n', StringComparison.Ordinal);
        var first = (firstEnd < 0 ? head.AsSpan() : head.AsSpan(0, firstEnd)).Trim().ToString();
        var headerBlock = firstEnd < 0 ? string.Empty : head[(firstEnd + 1)..];
        SipMessage message;
        if (first.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase))
        {
            var parts = first.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !parts[0].Equals("SIP/2.0", StringComparison.OrdinalIgnoreCase)
                || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                || code < 100 || code > 699)
            {
                return new(null, SipParseError.BadStartLine, "bad status line");
            }

            message = new SipResponse { StatusCode = code, Reason = parts.Length > 2 ? parts[2] : string.Empty };
        }
        else
        {
            var parts = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !IsToken(parts[0]) || !parts[1].Contains(':', StringComparison.Ordinal))
            {
                return new(null, SipParseError.BadStartLine, "bad request line");
            }

            message = new SipRequest { Method = KnownMethod(parts[0]), Uri = parts[1] };
            if (!parts[2].Equals("SIP/2.0", StringComparison.OrdinalIgnoreCase))
            {
                ReadHeaders(headerBlock, message);
                return new(null, SipParseError.UnsupportedVersion, parts[2], (SipRequest)message);
            }
        }

        if (!ReadHeaders(headerBlock, message))
        {
            return Fail(message, SipParseError.BadHeader, "header line without colon");
        }

        foreach (var name in Mandatory)
        {
            if (!message.Headers.Contains(name))
            {
                return Fail(message, SipParseError.MissingHeader, name);
            }
        }

        var cseq = message.CSeq;
        if (cseq is null || (message is SipRequest rq && !cseq.Value.Method.Equals(rq.Method, StringComparison.Ordinal)))
        {
            return Fail(message, SipParseError.BadCSeq, message.Headers["CSeq"] ?? string.Empty);
        }

        var available = data.Length - bodyStart;
        var lengthText = message.Headers["Content-Length"];
        int length;
        if (lengthText is null)
        {
            if (stream)
            {
                return Fail(message, SipParseError.BadContentLength, "missing on stream transport");
            }

            length = available;
        }
        else if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length < 0)
        {
            return Fail(message, SipParseError.BadContentLength, lengthText);
        }

        if (length > available)
        {
            return Fail(message, SipParseError.BadContentLength, $"declares {length} bytes, {available} present");
        }

        // RFC 3261 §18.3: on datagrams, octets past Content-Length are discarded.
        message.Body = data.Slice(bodyStart, length).ToArray();
        return new(message, SipParseError.None, string.Empty);
    }

    private static SipParseResult Fail(SipMessage m, SipParseError e, string detail) => new(null, e, detail, m as SipRequest);

    /// <summary>
    /// Reads header lines from the block after the start line. Unfolded lines (nearly all) are cut straight from spans:
    /// a known name costs nothing (shared canonical string), a value one string. Folded lines take the slow path.
    /// </summary>
    private static bool ReadHeaders(string block, SipMessage message)
    {
        var rest = block.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlySpan<char>.Empty : rest[(end + 1)..];
            line = line.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            string? folded = null;
            while (!rest.IsEmpty && (rest[0] == ' ' || rest[0] == '\t'))
            {
                // RFC 3261 §7.3.1: a continuation line joins the previous one with a single space
                var next = rest.IndexOf('\n');
                var cont = (next < 0 ? rest : rest[..next]).TrimEnd('\r');
                rest = next < 0 ? ReadOnlySpan<char>.Empty : rest[(next + 1)..];
                folded = string.Concat((folded ?? line.ToString()).AsSpan().TrimEnd(), " ", cont.Trim());
            }

            if (folded is not null)
            {
                line = folded.AsSpan();
            }

            var colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line[..colon].Trim()))
            {
                return false;
            }

            message.Headers.AddNormalized(SipHeaders.Normalize(line[..colon]), line[(colon + 1)..].Trim().ToString());
        }

        return true;
    }

    /// <summary>The shared string for a common method name (no copy per message), else the parsed one.</summary>
    private static string KnownMethod(string method) => method switch
    {
        "INVITE" => "INVITE", "ACK" => "ACK", "BYE" => "BYE", "CANCEL" => "CANCEL", "OPTIONS" => "OPTIONS",
        "REGISTER" => "REGISTER", "INFO" => "INFO", "UPDATE" => "UPDATE", _ => method,
    };

    private static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var ch in s)
        {
            if (ch > 126 || ch <= 32 || "()<>@,;:\\\"/[]?={}".Contains(ch, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
