using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Hotline.Telephony.Tests.Cti;

/// <summary>
/// A small SIP phone over UDP on loopback for the CTI tests. As an agent's desk phone it registers with digest, rings
/// (180) on every INVITE and goes off hook (200 with SDP) when the B2BUA sends <c>NOTIFY Event: talk</c>; as a caller it
/// dials a number and acknowledges the answer. It notes every request it receives (BYE, CANCEL, NOTIFY…).
/// </summary>
internal sealed partial class TestPhone : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _media = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _server;
    private readonly string _user;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..10];
    private readonly Channel<Message> _responses = Channel.CreateUnbounded<Message>();
    private readonly ConcurrentDictionary<string, Message> _invites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _received = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private int _cseq;
    private string? _number;
    private string? _remoteTag;

    public TestPhone(IPEndPoint server, string user)
    {
        _server = server;
        _user = user;
        _receiver = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The Call-ID of the call this phone places (the engine's call id for it).</summary>
    public string CallId { get; } = Guid.NewGuid().ToString("N") + "@cti-test";

    /// <summary>Every request received, as "METHOD call-id".</summary>
    public IReadOnlyCollection<string> Received => _received.ToArray();

    /// <summary>Whether a request with this method arrived (for the given Call-ID, if any).</summary>
    public bool Saw(string method, string? callId = null) =>
        _received.Any(r => r.StartsWith(method + " ", StringComparison.Ordinal) && (callId is null || r.EndsWith(" " + callId, StringComparison.Ordinal)));

    /// <summary>When set, the phone refuses every new INVITE with this status (e.g. 486 busy) instead of ringing.</summary>
    public int? RejectWith { get; set; }

    /// <summary>The Call-IDs of the INVITEs this phone was offered (the B2BUA's agent legs).</summary>
    public IReadOnlyCollection<string> Offered => _invites.Keys.ToArray();

    private IPEndPoint Local => (IPEndPoint)_udp.Client.LocalEndPoint!;

    private int MediaPort => ((IPEndPoint)_media.Client.LocalEndPoint!).Port;

    /// <summary>REGISTER → 401 → REGISTER with the MD5 digest → 200.</summary>
    public async Task RegisterAsync(string password)
    {
        var uri = $"sip:{_server}";
        var challenge = await RequestAsync("REGISTER", uri, null, null);
        var header = challenge.Header("WWW-Authenticate") ?? throw new InvalidOperationException("No challenge:\n" + challenge.Raw);
        var realm = Param(header, "realm");
        var nonce = Param(header, "nonce");
        var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var ha1 = Md5($"{_user}:{realm}:{password}");
        var ha2 = Md5($"REGISTER:{uri}");
        var response = Md5($"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}");
        var authorization = $"Digest username=\"{_user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", " +
                            $"response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"";
        var ok = await RequestAsync("REGISTER", uri, authorization, null);
        if (ok.Status != 200)
        {
            throw new InvalidOperationException($"REGISTER answered {ok.Status}:\n{ok.Raw}");
        }
    }

    /// <summary>Dials <paramref name="number"/> and returns once it rings (180/183) or fails.</summary>
    public async Task<int> CallAsync(string number)
    {
        var sdp = Sdp(MediaPort);
        _number = number;
        var answer = await RequestAsync("INVITE", $"sip:{number}@{_server}", null, sdp, r => r.Status is 180 or 183 or >= 200);
        _remoteTag = TagParam().Match(answer.Header("To") ?? string.Empty) is { Success: true } m ? m.Groups[1].Value : null;
        return answer.Status;
    }

    /// <summary>Presses a key in the IVR (SIP INFO, application/dtmf-relay, in the early dialog of the call placed).</summary>
    public async Task PressAsync(char digit)
    {
        var info = await RequestAsync("INFO", $"sip:{_number}@{_server}", null, null, toTag: _remoteTag,
            body: ("application/dtmf-relay", $"Signal={digit}\r\nDuration=160\r\n"));
        if (info.Status != 200)
        {
            throw new InvalidOperationException($"INFO answered {info.Status}:\n{info.Raw}");
        }
    }

    private async Task<Message> RequestAsync(string method, string uri, string? authorization, string? sdp, Func<Message, bool>? until = null,
        string? toTag = null, (string ContentType, string Text)? body = null)
    {
        body ??= sdp is null ? null : ("application/sdp", sdp);
        until ??= r => r.Status >= 200;
        var branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        var cseq = Interlocked.Increment(ref _cseq);
        var to = method == "REGISTER" ? $"<sip:{_user}@{_server.Address}>" : $"<{uri}>";
        var sb = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {uri} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {Local};branch={branch}\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:{_user}@{_server.Address}>;tag={_tag}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {to}{(toTag is null ? string.Empty : ";tag=" + toTag)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {CallId}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} {method}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:{_user}@{Local}>\r\n");
        if (method == "REGISTER")
        {
            sb.Append("Expires: 300\r\n");
        }

        if (authorization is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Authorization: {authorization}\r\n");
        }

        sb.Append(body is { } b ? $"Content-Type: {b.ContentType}\r\n" : string.Empty)
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.ASCII.GetByteCount(body?.Text ?? string.Empty)}\r\n\r\n{body?.Text}");
        var message = sb.ToString();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(32));
        var interval = TimeSpan.FromMilliseconds(500);
        var provisional = false;
        while (true)
        {
            if (!provisional)
            {
                await SendAsync(message);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(interval);
            try
            {
                while (true)
                {
                    var r = await _responses.Reader.ReadAsync(wait.Token);
                    if (r.Header("Via")?.Contains(branch, StringComparison.Ordinal) != true)
                    {
                        continue;
                    }

                    if (until(r))
                    {
                        return r;
                    }

                    provisional |= r.Status < 200;
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, 4000));
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var message = Message.Parse(Encoding.UTF8.GetString(received.Buffer));
            if (message.Status > 0)
            {
                if (message.Status >= 200 && message.CSeqMethod == "INVITE")
                {
                    await SendAsync(Ack(message)); // every (re)transmitted final answer to our call is acknowledged
                }

                await _responses.Writer.WriteAsync(message);
                continue;
            }

            var callId = message.Header("Call-ID") ?? string.Empty;
            if (message.Method != "ACK")
            {
                _received.Enqueue(message.Method + " " + callId);
            }

            switch (message.Method)
            {
                case "INVITE" when RejectWith is { } refusal && !_invites.ContainsKey(callId):
                    await SendAsync(Respond(message, refusal, "Refused"));
                    break;
                case "INVITE":
                    _invites.TryAdd(callId, message);
                    await SendAsync(_answered.ContainsKey(callId) ? Respond(message, 200, "OK", Sdp(MediaPort)) : Respond(message, 180, "Ringing"));
                    break;
                case "NOTIFY" when message.Header("Event") == "talk":
                    await SendAsync(Respond(message, 200, "OK"));
                    if (_invites.TryGetValue(callId, out var invite) && _answered.TryAdd(callId, true))
                    {
                        await SendAsync(Respond(invite, 200, "OK", Sdp(MediaPort))); // off hook, as a desk phone does
                    }

                    break;
                case "CANCEL":
                    await SendAsync(Respond(message, 200, "OK"));
                    if (_invites.TryGetValue(callId, out var cancelled))
                    {
                        await SendAsync(Respond(cancelled, 487, "Request Terminated"));
                    }

                    break;
                case "ACK":
                    break;
                default:
                    await SendAsync(Respond(message, 200, "OK"));
                    break;
            }
        }
    }

    /// <summary>The ACK of a final answer: a 2xx in a transaction of its own, any other in the INVITE's (same Via branch).</summary>
    private string Ack(Message ok)
    {
        var cseq = ok.Header("CSeq")!.Split(' ')[0];
        var via = ok.Status < 300 ? $"SIP/2.0/UDP {Local};branch=z9hG4bK{Guid.NewGuid():N}" : ok.Header("Via");
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ACK sip:{_server} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: {via}\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: {ok.Header("From")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {ok.Header("To")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {ok.Header("Call-ID")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} ACK\r\n")
            .Append("Content-Length: 0\r\n\r\n")
            .ToString();
    }

    private string Respond(Message request, int status, string reason, string? sdp = null)
    {
        var sb = new StringBuilder().Append(CultureInfo.InvariantCulture, $"SIP/2.0 {status} {reason}\r\n");
        foreach (var via in request.All("Via"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"Via: {via}\r\n");
        }

        var to = request.Header("To")!;
        sb.Append(CultureInfo.InvariantCulture, $"From: {request.Header("From")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {to}{(to.Contains(";tag=", StringComparison.Ordinal) ? string.Empty : ";tag=" + _tag)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {request.Header("Call-ID")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {request.Header("CSeq")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:{_user}@{Local}>\r\n")
            .Append(sdp is null ? string.Empty : "Content-Type: application/sdp\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.ASCII.GetByteCount(sdp ?? string.Empty)}\r\n\r\n{sdp}");
        return sb.ToString();
    }

    private static string Sdp(int port) =>
        $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private async Task SendAsync(string message)
    {
        try
        {
            await _udp.SendAsync(Encoding.ASCII.GetBytes(message), _server);
        }
        catch (Exception ex) when (_stop.IsCancellationRequested && ex is ObjectDisposedException or SocketException or OperationCanceledException)
        {
            // The test is done with the phone: whatever it was still answering goes unsent.
        }
    }

    [GeneratedRegex(";tag=([^;>\\s]+)")]
    private static partial Regex TagParam();

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Param(string header, string name)
    {
        var match = Regex.Match(header, name + "=\"([^\"]*)\"", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No {name} in '{header}'.");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _media.Dispose();
        await _receiver;
        _stop.Dispose();
    }

    /// <summary>A SIP message as text: status or method, headers in order.</summary>
    private sealed record Message(int Status, string? Method, string Raw, IReadOnlyList<KeyValuePair<string, string>> Headers)
    {
        public string? CSeqMethod => Header("CSeq")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();

        public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        public IEnumerable<string> All(string name) =>
            Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

        public static Message Parse(string raw)
        {
            var lines = raw.Split("\r\n");
            var start = lines[0].Split(' ');
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
                }
            }

            return start[0] == "SIP/2.0"
                ? new Message(int.Parse(start[1], CultureInfo.InvariantCulture), null, raw, headers)
                : new Message(0, start[0], raw, headers);
        }
    }
}
