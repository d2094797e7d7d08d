using System.Globalization;
using System.Text;

namespace Hotline.Telephony.Sip.Messages;

/// <summary>A SIP request or response (RFC 3261 §7): start line, headers, body.</summary>
internal abstract class SipMessage
{
    public SipHeaders Headers { get; init; } = new();

    public byte[] Body { get; set; } = [];

    // Parsed views of headers the layers read again and again (transaction key, routing, tags), parsed once per
    // version of the headers instead of on every read.
    private ParsedHeader<SipVia?> _topVia;
    private ParsedHeader<SipCSeq?> _cseq;
    private ParsedHeader<string?> _fromTag;
    private ParsedHeader<string?> _toTag;

    public string? CallId => Headers["Call-ID"];

    public string? FromTag => _fromTag.Get(Headers, "From", static v => NameAddress.TryParse(v, out var a) ? a.Tag : null);

    public string? ToTag => _toTag.Get(Headers, "To", static v => NameAddress.TryParse(v, out var a) ? a.Tag : null);

    public SipVia? TopVia => _topVia.Get(Headers, "Via", static v => SipVia.TryParse(v, out var via) ? via : null);

    public SipCSeq? CSeq => _cseq.Get(Headers, "CSeq", static v => SipCSeq.TryParse(v, out var c) ? c : null);

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>
    /// The wire form: start line, headers, Content-Length, body. Written straight into one pooled buffer (no string
    /// building) and copied once into an array of the exact size, which the caller owns (retransmissions reuse it).
    /// </summary>
    public byte[] ToBytes()
    {
        var writer = new WireWriter(System.Buffers.ArrayPool<byte>.Shared.Rent(2048));
        try
        {
            WriteStartLine(ref writer);
            writer.Write("\r\n");
            foreach (var kv in Headers.All)
            {
                if (!kv.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    writer.Write(kv.Key);
                    writer.Write(": ");
                    writer.Write(kv.Value);
                    writer.Write("\r\n");
                }
            }

            writer.Write("Content-Length: ");
            writer.Write(Body.Length);
            writer.Write("\r\n\r\n");
            writer.Write(Body);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Return();
        }
    }

    private protected abstract void WriteStartLine(ref WireWriter writer);

    /// <summary>Appends UTF-8 text and bytes to a rented buffer, growing (re-renting) when needed.</summary>
    private protected struct WireWriter(byte[] buffer)
    {
        private byte[] _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Write(string text) => Write(text.AsSpan());

        public void Write(ReadOnlySpan<char> text)
        {
            Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        }

        public void Write(int number)
        {
            Ensure(11);
            number.TryFormat(_buffer.AsSpan(_length), out var n, default, CultureInfo.InvariantCulture);
            _length += n;
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        public readonly void Return() => System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);

        private void Ensure(int more)
        {
            if (_length + more <= _buffer.Length)
            {
                return;
            }

            var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}

/// <summary>A SIP request.</summary>
internal sealed class SipRequest : SipMessage
{
    public required string Method { get; init; }

    public required string Uri { get; set; }

    private protected override void WriteStartLine(ref WireWriter writer)
    {
        writer.Write(Method);
        writer.Write(" ");
        writer.Write(Uri);
        writer.Write(" SIP/2.0");
    }

    /// <summary>Builds a response that copies Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6).</summary>
    public SipResponse CreateResponse(int status, string? reason = null, string? toTag = null)
    {
        var r = new SipResponse { StatusCode = status, Reason = reason ?? SipResponse.DefaultReason(status) };
        Headers.CopyAll("Via", r.Headers); // every Via line as received, in order
        r.Headers.Add("From", Headers["From"] ?? string.Empty);
        var to = Headers["To"] ?? string.Empty;
        if (toTag is not null && to.Length > 0 && ToTag is null && NameAddress.TryParse(to, out _))
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

    private protected override void WriteStartLine(ref WireWriter writer)
    {
        writer.Write("SIP/2.0 ");
        writer.Write(StatusCode);
        writer.Write(" ");
        writer.Write(Reason);
    }

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

/// <summary>One header's parsed value, kept until the headers change (<see cref="SipHeaders.Version"/>).</summary>
internal struct ParsedHeader<T>
{
    private int _stamp; // the headers' version + 1 when parsed; 0: not parsed yet
    private T _value;

    public T Get(SipHeaders headers, string name, Func<string?, T> parse)
    {
        if (_stamp != headers.Version + 1)
        {
            _value = parse(headers[name]);
            _stamp = headers.Version + 1;
        }

        return _value;
    }
}
