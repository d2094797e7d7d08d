using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Hotline.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A tiny SIP user agent over UDP for end-to-end checks: sends one request at a time (OPTIONS, REGISTER with or
/// without RFC 2617 digest) and returns the final response's status and headers. Retransmits like RFC 3261 timer E.
/// </summary>
public sealed partial class SipProbe : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _server;
    private readonly string _callId = Guid.NewGuid().ToString("N") + "@e2e";
    private int _cseq;

    public SipProbe(string address) => _server = IPEndPoint.Parse(address);

    private int LocalPort => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>The server as a SIP URI, e.g. <c>sip:127.0.0.1:5080</c>.</summary>
    public string ServerUri => $"sip:{_server}";

    public Task<SipReply> OptionsAsync() => SendAsync("OPTIONS", ServerUri, "e2e", null);

    /// <summary>REGISTER without credentials (expects a 401 challenge), then with the digest for <paramref name="password"/>.</summary>
    public async Task<(SipReply Challenge, SipReply Answer)> RegisterAsync(string extension, string password)
    {
        var challenge = await SendAsync("REGISTER", ServerUri, extension, null);
        var header = challenge.Header("WWW-Authenticate")
            ?? throw new InvalidOperationException($"REGISTER got {challenge.Status} without a challenge:\n{challenge.Raw}");
        var realm = Param(header, "realm");
        var nonce = Param(header, "nonce");
        var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var ha1 = Md5($"{extension}:{realm}:{password}");
        var ha2 = Md5($"REGISTER:{ServerUri}");
        var response = Md5($"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}");
        var authorization = $"Digest username=\"{extension}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{ServerUri}\", " +
                            $"response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"";
        var answer = await SendAsync("REGISTER", ServerUri, extension, authorization);
        return (challenge, answer);
    }

    private async Task<SipReply> SendAsync(string method, string uri, string user, string? authorization)
    {
        var cseq = Interlocked.Increment(ref _cseq);
        var branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        var sb = new StringBuilder()
            .Append(method).Append(' ').Append(uri).Append(" SIP/2.0\r\n")
            .Append("Via: SIP/2.0/UDP 127.0.0.1:").Append(LocalPort).Append(";branch=").Append(branch).Append("\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append("From: <sip:").Append(user).Append("@127.0.0.1>;tag=e2e").Append(LocalPort).Append("\r\n")
            .Append("To: <sip:").Append(user).Append("@127.0.0.1>\r\n")
            .Append("Call-ID: ").Append(_callId).Append("\r\n")
            .Append("CSeq: ").Append(cseq).Append(' ').Append(method).Append("\r\n")
            .Append("Contact: <sip:").Append(user).Append("@127.0.0.1:").Append(LocalPort).Append(">\r\n");
        if (method == "REGISTER")
        {
            sb.Append("Expires: 120\r\n");
        }

        if (authorization is not null)
        {
            sb.Append("Authorization: ").Append(authorization).Append("\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(sb.Append("Content-Length: 0\r\n\r\n").ToString());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(32));
        var interval = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            await _udp.SendAsync(bytes, _server, deadline.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(interval);
            try
            {
                while (true)
                {
                    var received = await _udp.ReceiveAsync(wait.Token);
                    var reply = SipReply.Parse(Encoding.UTF8.GetString(received.Buffer));
                    if (reply.Status >= 200 && reply.Header("Via")?.Contains(branch, StringComparison.Ordinal) == true)
                    {
                        return reply;
                    }
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, 4000));
            }
        }
    }

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Param(string header, string name)
    {
        var match = Regex.Match(header, name + "=\"([^\"]*)\"", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No {name} in '{header}'.");
    }

    public void Dispose() => _udp.Dispose();
}

/// <summary>A SIP response: status code and headers (first value of each name).</summary>
public sealed record SipReply(int Status, string Raw, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public static SipReply Parse(string raw)
    {
        var lines = raw.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return new SipReply(status, raw, headers);
    }
}
