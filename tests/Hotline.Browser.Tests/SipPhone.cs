using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Hotline.Browser.Tests;

/// <summary>
/// A tiny SIP phone over UDP on loopback for driving the city's call center from a browser test: it registers an
/// extension with digest (and then rings, answering every INVITE with 180 until it is cancelled, and goes off hook with
/// a 200 when the B2BUA's <c>NOTIFY Event: talk</c> asks it to — the remote answer desk phones offer), or calls 12328,
/// picks a menu digit by SIP INFO in the early dialog, acknowledges the final answer, and cancels or hangs up. It notes
/// every request it receives (BYE, CANCEL…). Requests are retransmitted like RFC 3261 timer E.
/// </summary>
internal sealed partial class SipPhone : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _media = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _server;
    private readonly Channel<SipText> _responses = Channel.CreateUnbounded<SipText>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiver;
    private readonly string _user;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..10];
    private readonly ConcurrentDictionary<string, SipText> _invites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _offHook = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _received = new();
    private readonly ConcurrentDictionary<string, long> _receivedAt = new(StringComparer.Ordinal);
    private int _cseq;
    private string? _inviteBranch;
    private string? _inviteUri;
    private string? _remoteTag;
    private volatile SipText? _inviteFinal;
    private readonly IPEndPoint _local;

    public SipPhone(IPEndPoint server, string user)
    {
        _server = server;
        _user = user;
        _local = (IPEndPoint)_udp.Client.LocalEndPoint!;
        _receiver = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The Call-ID of this phone's own requests (the call it places).</summary>
    public string CallId { get; } = Guid.NewGuid().ToString("N") + "@browser-test";

    /// <summary>INVITEs this phone was offered (their Call-IDs).</summary>
    public List<string> Offered { get; } = [];

    /// <summary>When the first INVITE arrived (Unix milliseconds, the clock a browser's <c>Date.now()</c> reads).</summary>
    public long? FirstOfferAt { get; private set; }

    /// <summary>The final status of the call this phone placed (200 answered, 480/487 ended before), or null while it rings.</summary>
    public int? FinalStatus => _inviteFinal?.Status;

    /// <summary>When set, the phone declines every new INVITE with this status (e.g. 486 busy) instead of ringing.</summary>
    public int? RejectWith { get; set; }

    /// <summary>Whether a request with this method arrived (for the given Call-ID, if any).</summary>
    public bool Saw(string method, string? callId = null) =>
        _received.Any(r => r.StartsWith(method + " ", StringComparison.Ordinal) && (callId is null || r.EndsWith(" " + callId, StringComparison.Ordinal)));

    /// <summary>When a request with this method and Call-ID first arrived (Unix milliseconds), or null.</summary>
    public long? ReceivedAt(string method, string callId) => _receivedAt.TryGetValue(method + " " + callId, out var at) ? at : null;

    /// <summary>Whether this phone went off hook for the offered call (answered it after the B2BUA's remote-answer NOTIFY).</summary>
    public bool IsOffHook(string callId) => _offHook.ContainsKey(callId);

    // Read once: a request answered while the phone is being disposed must not ask a closed socket for its address.
    private IPEndPoint Local => _local;

    private string ServerUri => $"sip:{_server}";

    /// <summary>REGISTER → 401 → REGISTER with the MD5 digest → 200.</summary>
    public async Task RegisterAsync(string password)
    {
        var challenge = await RequestAsync("REGISTER", ServerUri, NewBranch(), null, null, null);
        var header = challenge.Header("WWW-Authenticate") ?? throw new InvalidOperationException($"No challenge:\n{challenge.Raw}");
        var realm = Param(header, "realm");
        var nonce = Param(header, "nonce");
        var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var ha1 = Md5($"{_user}:{realm}:{password}");
        var ha2 = Md5($"REGISTER:{ServerUri}");
        var response = Md5($"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}");
        var authorization = $"Digest username=\"{_user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{ServerUri}\", " +
                            $"response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"";
        var answer = await RequestAsync("REGISTER", ServerUri, NewBranch(), authorization, null, null);
        if (answer.Status != 200)
        {
            throw new InvalidOperationException($"REGISTER answered {answer.Status}:\n{answer.Raw}");
        }
    }

    /// <summary>Calls the hotline and presses <paramref name="digit"/> (SIP INFO) once the IVR answers with early media.</summary>
    public async Task CallHotlineAsync(string number, char digit)
    {
        _inviteBranch = NewBranch();
        _inviteUri = $"sip:{number}@{_server}";
        var port = ((IPEndPoint)_media.Client.LocalEndPoint!).Port;
        var sdp = $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
                  $"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
        var early = await RequestAsync("INVITE", $"sip:{number}@{_server}", _inviteBranch, null, "application/sdp", sdp,
            r => r.Status is 183 or >= 200);
        if (early.Status != 183)
        {
            throw new InvalidOperationException($"INVITE answered {early.Status}:\n{early.Raw}");
        }

        _remoteTag = TagOf(early.Header("To"));
        var info = await RequestAsync("INFO", $"sip:{number}@{_server}", NewBranch(), null, "application/dtmf-relay",
            $"Signal={digit}\r\nDuration=160\r\n", toTag: _remoteTag);
        if (info.Status != 200)
        {
            throw new InvalidOperationException($"INFO answered {info.Status}:\n{info.Raw}");
        }
    }

    /// <summary>
    /// Ends the call this phone placed, whatever became of it: CANCEL while it rings, BYE once answered, nothing when the
    /// call center has already ended it.
    /// </summary>
    public async Task EndAsync(string number)
    {
        if (_inviteFinal is { Status: >= 200 and < 300 } answered && !Saw("BYE", CallId))
        {
            await RequestAsync("BYE", $"sip:{number}@{_server}", NewBranch(), null, null, null, toTag: TagOf(answered.Header("To")));
        }
        else if (_inviteFinal is null)
        {
            await CancelAsync(number);
        }
    }

    /// <summary>Cancels the pending call (CANCEL, then the INVITE's 487 is acknowledged).</summary>
    public async Task CancelAsync(string number)
    {
        if (_inviteBranch is null || _inviteFinal is not null)
        {
            return;
        }

        await RequestAsync("CANCEL", $"sip:{number}@{_server}", _inviteBranch, null, null, null, cseq: 1,
            until: r => r.Status >= 200 && r.CSeqMethod == "CANCEL");

        // The INVITE's final answer (487) is acknowledged by the receive loop, whenever it comes.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_inviteFinal is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private async Task<SipText> RequestAsync(string method, string uri, string branch, string? authorization, string? contentType,
        string? body, Func<SipText, bool>? until = null, string? toTag = null, int? cseq = null)
    {
        until ??= r => r.Status >= 200;
        var number = cseq ?? Interlocked.Increment(ref _cseq);
        var message = Build(method, uri, branch, number, authorization, contentType, body, toTag);
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
                    if (r.Header("Via")?.Contains(branch, StringComparison.Ordinal) != true || r.CSeqMethod != method)
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

    private string Build(string method, string uri, string branch, int cseq, string? authorization, string? contentType, string? body,
        string? toTag)
    {
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

        if (contentType is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");
        }

        var payload = body ?? string.Empty;
        return sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.ASCII.GetByteCount(payload)}\r\n\r\n{payload}").ToString();
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

            var message = SipText.Parse(Encoding.UTF8.GetString(received.Buffer));
            if (message.Status > 0)
            {
                if (message.CSeqMethod == "INVITE" && message.Status >= 200 && _inviteBranch is not null && _inviteUri is not null)
                {
                    // The final answer to this phone's call: acknowledged (a 2xx in a transaction of its own, RFC 3261 §13.2.2.4),
                    // then noted, so whoever waits for it finds the ACK already sent.
                    var cseq = int.Parse(message.Header("CSeq")!.Split(' ')[0], CultureInfo.InvariantCulture);
                    var branch = message.Status < 300 ? NewBranch() : _inviteBranch;
                    await SendAsync(Build("ACK", _inviteUri, branch, cseq, null, null, null, TagOf(message.Header("To"))));
                    _inviteFinal ??= message;
                }

                await _responses.Writer.WriteAsync(message);
                continue;
            }

            var callId = message.Header("Call-ID") ?? string.Empty;
            if (message.Method != "ACK")
            {
                _received.Enqueue(message.Method + " " + callId);
                _receivedAt.TryAdd(message.Method + " " + callId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            // A request from the call center: ring on INVITE, go off hook on a remote answer, agree to everything else;
            // ACK needs no answer.
            switch (message.Method)
            {
                case "INVITE" when RejectWith is { } refusal && !_invites.ContainsKey(callId):
                    await SendAsync(Respond(message, refusal, "Declined"));
                    break;
                case "INVITE":
                    FirstOfferAt ??= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    lock (Offered)
                    {
                        if (!Offered.Contains(callId))
                        {
                            Offered.Add(callId);
                        }
                    }

                    _invites.TryAdd(callId, message);
                    await SendAsync(_offHook.ContainsKey(callId) ? Respond(message, 200, "OK", Sdp()) : Respond(message, 180, "Ringing"));
                    break;
                case "NOTIFY" when message.Header("Event") == "talk":
                    await SendAsync(Respond(message, 200, "OK"));
                    if (_invites.TryGetValue(callId, out var ringing) && _offHook.TryAdd(callId, true))
                    {
                        await SendAsync(Respond(ringing, 200, "OK", Sdp()));
                    }

                    break;
                case "CANCEL":
                    await SendAsync(Respond(message, 200, "OK"));
                    await SendAsync(Respond(message with { CSeqOverride = "INVITE" }, 487, "Request Terminated"));
                    break;
                case "ACK":
                    break;
                default:
                    await SendAsync(Respond(message, 200, "OK"));
                    break;
            }
        }
    }

    private string Sdp() =>
        $"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio {((IPEndPoint)_media.Client.LocalEndPoint!).Port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private string Respond(SipText request, int status, string reason, string? sdp = null)
    {
        var sb = new StringBuilder().Append(CultureInfo.InvariantCulture, $"SIP/2.0 {status} {reason}\r\n");
        foreach (var via in request.All("Via"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"Via: {via}\r\n");
        }

        var to = request.Header("To")!;
        var cseq = request.Header("CSeq")!;
        if (request.CSeqOverride is { } method)
        {
            cseq = cseq.Split(' ')[0] + " " + method;
        }

        sb.Append(CultureInfo.InvariantCulture, $"From: {request.Header("From")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {to}{(to.Contains(";tag=", StringComparison.Ordinal) ? string.Empty : ";tag=" + _tag)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {request.Header("Call-ID")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:{_user}@{Local}>\r\n")
            .Append(sdp is null ? string.Empty : "Content-Type: application/sdp\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.ASCII.GetByteCount(sdp ?? string.Empty)}\r\n\r\n{sdp}");
        return sb.ToString();
    }

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

    private static string NewBranch() => "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];

    private static string? TagOf(string? header) => header is null ? null : TagParam().Match(header) is { Success: true } m ? m.Groups[1].Value : null;

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Param(string header, string name)
    {
        var match = Regex.Match(header, name + "=\"([^\"]*)\"", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No {name} in '{header}'.");
    }

    [GeneratedRegex(";tag=([^;>\\s]+)")]
    private static partial Regex TagParam();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _media.Dispose();
        await _receiver;
        _stop.Dispose();
    }

    /// <summary>A SIP message as text: start line, headers (all values of each name, in order).</summary>
    private sealed record SipText(int Status, string? Method, string Raw, IReadOnlyList<KeyValuePair<string, string>> Headers)
    {
        public string? CSeqOverride { get; init; }

        public string? CSeqMethod => Header("CSeq")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();

        public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        public IEnumerable<string> All(string name) =>
            Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

        public static SipText Parse(string raw)
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
                ? new SipText(int.Parse(start[1], CultureInfo.InvariantCulture), null, raw, headers)
                : new SipText(0, start[0], raw, headers);
        }
    }
}
