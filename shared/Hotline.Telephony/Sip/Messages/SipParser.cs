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
            head = new UTF8Encoding(false, true).GetString(data[..headerLength]);
        }
        catch (DecoderFallbackException)
        {
            return new(null, SipParseError.BadStartLine, "not UTF-8");
        }

        var lines = Unfold(head);
        if (lines.Count == 0)
        {
            return new(null, SipParseError.BadStartLine, "empty start line");
        }

        var first = lines[0].Trim();
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

            message = new SipRequest { Method = parts[0], Uri = parts[1] };
            if (!parts[2].Equals("SIP/2.0", StringComparison.OrdinalIgnoreCase))
            {
                ReadHeaders(lines, message);
                return new(null, SipParseError.UnsupportedVersion, parts[2], (SipRequest)message);
            }
        }

        if (!ReadHeaders(lines, message))
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

    private static bool ReadHeaders(List<string> lines, SipMessage message)
    {
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line[..colon].Trim()))
            {
                return false;
            }

            message.Headers.Add(line[..colon], line[(colon + 1)..]);
        }

        return true;
    }

    /// <summary>Splits the header block into logical lines, joining continuation lines (RFC 3261 §7.3.1).</summary>
    private static List<string> Unfold(string head)
    {
        var raw = head.Split('\n');
        var lines = new List<string>(raw.Length);
        foreach (var r in raw)
        {
            var line = r.TrimEnd('\r');
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && lines.Count > 1)
            {
                lines[^1] = lines[^1].TrimEnd() + " " + line.Trim();
            }
            else
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static bool IsToken(string s)
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
