using System.Globalization;
using System.Text;

namespace Hotline.Telephony.Sip.Messages;

/// <summary>A SIP request or response (RFC 3261 §7): start line, headers, body.</summary>
internal abstract class SipMessage
{
    public SipHeaders Headers { get; init; } = new();

    public byte[] Body { get; set; } = [];

    public string? CallId => Headers["Call-ID"];

    public string? FromTag => NameAddress.TryParse(Headers["From"], out var a) ? a.Tag : null;

    public string? ToTag => NameAddress.TryParse(Headers["To"], out var a) ? a.Tag : null;

    public SipVia? TopVia => SipVia.TryParse(Headers["Via"], out var v) ? v : null;

    public SipCSeq? CSeq => SipCSeq.TryParse(Headers["CSeq"], out var c) ? c : null;

    public string BodyText => Encoding.UTF8.GetString(Body);

    protected abstract string StartLine { get; }

    public byte[] ToBytes()
    {
        var sb = new StringBuilder(512);
        sb.Append(StartLine).Append("\r\n");
        foreach (var kv in Headers.All)
        {
            if (!kv.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append(kv.Key).Append(": ").Append(kv.Value).Append("\r\n");
            }
        }

        sb.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetBytes(sb.ToString());
        if (Body.Length == 0)
        {
            return head;
        }

        var all = new byte[head.Length + Body.Length];
        head.CopyTo(all, 0);
        Body.CopyTo(all, head.Length);
        return all;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}

/// <summary>A SIP request.</summary>
internal sealed class SipRequest : SipMessage
{
    public required string Method { get; init; }

    public required string Uri { get; set; }

    protected override string StartLine => $"{Method} {Uri} SIP/2.0";

    /// <summary>Builds a response that copies Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6).</summary>
    public SipResponse CreateResponse(int status, string? reason = null, string? toTag = null)
    {
        var r = new SipResponse { StatusCode = status, Reason = reason ?? SipResponse.DefaultReason(status) };
        foreach (var via in Headers.GetAll("Via"))
        {
            r.Headers.Add("Via", via);
        }

        r.Headers.Add("From", Headers["From"] ?? string.Empty);
        var to = Headers["To"] ?? string.Empty;
        if (toTag is not null && NameAddress.TryParse(to, out var toAddr) && toAddr.Tag is null)
        {
            to += ";tag=" + toTag;
        }

        r.Headers.Add("To", to);
        r.Headers.Add("Call-ID", Headers["Call-ID"] ?? string.Empty);
        r.Headers.Add("CSeq", Headers["CSeq"] ?? string.Empty);
        return r;
    }
}

/// <summary>A SIP response.</summary>
internal sealed class SipResponse : SipMessage
{
    public required int StatusCode { get; init; }

    public string Reason { get; init; } = string.Empty;

    protected override string StartLine => $"SIP/2.0 {StatusCode.ToString(CultureInfo.InvariantCulture)} {Reason}";

    public static string DefaultReason(int status) => status switch
    {
        100 => "Trying", 180 => "Ringing", 181 => "Call Is Being Forwarded", 182 => "Queued", 183 => "Session Progress",
        200 => "OK", 202 => "Accepted", 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden",
        404 => "Not Found", 405 => "Method Not Allowed", 407 => "Proxy Authentication Required", 408 => "Request Timeout",
        415 => "Unsupported Media Type", 420 => "Bad Extension", 423 => "Interval Too Brief", 480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist", 482 => "Loop Detected", 483 => "Too Many Hops", 486 => "Busy Here",
        487 => "Request Terminated", 488 => "Not Acceptable Here", 491 => "Request Pending", 500 => "Server Internal Error",
        501 => "Not Implemented", 503 => "Service Unavailable", 505 => "Version Not Supported", 603 => "Decline",
        _ => "Unknown",
    };
}
