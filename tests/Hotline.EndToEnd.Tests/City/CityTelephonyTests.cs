using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hotline.EndToEnd.Tests.Federation;
using Hotline.EndToEnd.Tests.Infrastructure;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.City;

/// <summary>
/// Telephony on the composed city as the launcher runs it (issue 5 "Done"): a caller from loopback reaches 12328
/// without credentials, picks a queue, no agent is ready, the queue overflows to voicemail, the message becomes a
/// voicemail case (留言工单) with the caller's number (masked for roles that do not need it) and its recording
/// downloadable from the case. Calls from other addresses must authenticate (demo trunk only on loopback).
/// </summary>
[Collection(FederationCollection.Name)]
public sealed partial class CityTelephonyTests(FederationFixture fixture)
{
    /// <summary>南京: no other test of the lane registers a phone or places a call there.</summary>
    private const string City = "320100";

    /// <summary>The queue the voicemail caller picks (3 = suggestion) and its short longest wait in this lane.</summary>
    private const string OverflowDigit = "3";
    private const int OverflowSeconds = 3;

    /// <summary>
    /// The lane's SIP settings, given to every node the launcher starts (<see cref="FederationFixture"/>): the default
    /// menu, with a suggestion queue that overflows to voicemail after <see cref="OverflowSeconds"/> instead of two minutes.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SipEnvironment { get; } = Queues(
        ("complaint", "1", 120), ("inquiry", "2", 120), ("suggestion", OverflowDigit, OverflowSeconds), ("progress", "4", 120), ("general", "0", 120));

    private HttpClient Http => fixture.Http;

    private Uri CityUrl => fixture.NodeUrl(City);

    private string SipAddress =>
        fixture.Federation["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == City)!["sip"]!["udp"]!.GetValue<string>();

    [Fact]
    public async Task A_caller_with_no_agent_ready_overflows_to_voicemail_and_the_message_becomes_a_case_with_its_recording()
    {
        var token = await fixture.TokenAsync(City);
        var queues = await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/queues"), token);
        Assert.Equal(["complaint", "general", "inquiry", "progress", "suggestion"],
            queues.AsArray().Select(q => q!["name"]!.GetValue<string>()).Order());
        var overflowedBefore = queues.AsArray().Single(q => q!["name"]!.GetValue<string>() == "suggestion")!["overflowed"]!.GetValue<int>();

        // No agent ready: every agent of the city signs out (an administrator may change anyone's state).
        foreach (var agent in (await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/agents"), token)).AsArray())
        {
            var extension = agent!["extension"]!.GetValue<string>();
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(CityUrl, $"/api/v1/cti/agents/{extension}/state"))
            {
                Content = JsonContent.Create(new { state = "loggedOut" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.DoesNotContain((await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/agents"), token)).AsArray(), a => a!["state"]!.GetValue<string>() == "ready");

        var caller = "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
        var (exitCode, log) = await Sipp.CallAsync(SipAddress, Path.Combine(AppContext.BaseDirectory, "City", "Scenarios", "voicemail-call.xml"), TimeSpan.FromSeconds(90),
            "-key", "caller", caller, "-key", "digit", OverflowDigit);
        Assert.True(exitCode == 0, $"SIPp failed ({exitCode}):\n{log}");

        // The call detail record names the case the voicemail became.
        var record = await Poller.UntilAsync(async () =>
        {
            var records = await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/records"), token);
            return records.AsArray().FirstOrDefault(r => r!["caller"]!.GetValue<string>() == caller && r["caseNumber"] is not null)?.AsObject();
        }, TimeSpan.FromSeconds(30), $"the call detail record of {caller} with its case");
        Assert.Equal("voicemail", record["outcome"]!.GetValue<string>());
        Assert.Equal("suggestion", record["queue"]!.GetValue<string>());
        Assert.Equal(OverflowDigit, record["ivrPath"]!.GetValue<string>());
        Assert.Null(record["answered"]);
        var caseNumber = record["caseNumber"]!.GetValue<string>();
        Assert.Matches($"^{City}-\\d{{8}}-\\d{{6}}$", caseNumber);

        var after = await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/queues"), token);
        Assert.Equal(overflowedBefore + 1, after.AsArray().Single(q => q!["name"]!.GetValue<string>() == "suggestion")!["overflowed"]!.GetValue<int>());

        // An administrator sees the case in full; a handler (承办人) sees the caller's number masked.
        var detail = (await fixture.GetJsonAsync(new Uri(CityUrl, $"/api/v1/cases/{caseNumber}"), token)).AsObject();
        Assert.Equal("voicemail", detail["channel"]!.GetValue<string>());
        Assert.Equal("suggestion", detail["type"]!.GetValue<string>());
        Assert.Equal(caller, detail["phone"]!.GetValue<string>());
        Assert.StartsWith("voicemail/", detail["recordingId"]!.GetValue<string>(), StringComparison.Ordinal);

        using var handler = await SignInAsync("handler1");
        var masked = (await handler.GetFromJsonAsync<JsonObject>($"/api/v1/cases/{caseNumber}"))!;
        Assert.Equal($"{caller[..3]}****{caller[^4..]}", masked["phone"]!.GetValue<string>());
        Assert.DoesNotContain(caller, masked.ToJsonString(), StringComparison.Ordinal);

        // The voicemail is downloadable from the case as a WAV that holds the caller's speech.
        using var download = new HttpRequestMessage(HttpMethod.Get, new Uri(CityUrl, $"/api/v1/cases/{caseNumber}/recording"));
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var recording = await Http.SendAsync(download);
        Assert.Equal(HttpStatusCode.OK, recording.StatusCode);
        Assert.Equal("audio/wav", recording.Content.Headers.ContentType?.MediaType);
        var audio = Wav.Read(await recording.Content.ReadAsByteArrayAsync());
        Assert.Equal((8000, 1), (audio.SampleRate, audio.Channels));
        Assert.True(audio.Duration > TimeSpan.FromSeconds(3), $"voicemail lasts {audio.Duration}");
        var voiced = audio.VoicedSeconds(threshold: 200);
        Assert.True(voiced > 1.5, $"only {voiced:F1} s of the voicemail is above silence");
    }

    [Fact]
    public async Task A_loopback_caller_reaches_12328_without_credentials_and_other_addresses_must_authenticate()
    {
        // 127.0.0.2 is loopback too (all of 127/8): the demo trunk takes the call without a challenge.
        using (var loopback = new SipCaller(IPAddress.Parse("127.0.0.2"), SipAddress))
        {
            var early = await loopback.InviteAsync("12328", until: r => r.Status is 183 or >= 200);
            Assert.Equal(183, early.Status);
            Assert.Contains("application/sdp", early.Header("Content-Type"), StringComparison.OrdinalIgnoreCase);
            var (cancelled, final) = await loopback.CancelAsync();
            Assert.Equal(200, cancelled.Status);
            Assert.Equal(487, final.Status);
        }

        // Any other source must authenticate, for the hotline and for an extension alike.
        var outside = NonLoopbackAddress();
        Assert.True(outside is not null, "this machine has no non-loopback IPv4 address to call from");
        foreach (var target in new[] { "8002", "12328" })
        {
            using var remote = new SipCaller(outside, SipAddress);
            var challenge = await remote.InviteAsync(target, until: r => r.Status >= 200);
            Assert.True(challenge.Status == 407, $"INVITE {target} from {outside} answered {challenge.Status}:\n{challenge.Raw}");
            Assert.Contains($"realm=\"{City}.12328.local\"", challenge.Header("Proxy-Authenticate"), StringComparison.Ordinal);
            await remote.AckAsync(challenge);
        }
    }

    private static IPAddress? NonLoopbackAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(i => i.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private static Dictionary<string, string> Queues(params (string Name, string Digit, int MaxWait)[] queues)
    {
        // This lane's callers speak to the IVR in an early dialog (183, digit by INFO, then CANCEL or the voicemail's
        // 200): the IVR's early-media mode. The launched browser lane calls the default mode, where the IVR answers.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["Sip__IvrAnswer"] = "EarlyMedia" };
        for (var i = 0; i < queues.Length; i++)
        {
            env[$"Sip__Queues__{i}__Name"] = queues[i].Name;
            env[$"Sip__Queues__{i}__Digit"] = queues[i].Digit;
            env[$"Sip__Queues__{i}__MaxWaitSeconds"] = queues[i].MaxWait.ToString(CultureInfo.InvariantCulture);
        }

        return env;
    }

    /// <summary>A cookie session of a demo user, signed in through the login form (antiforgery included).</summary>
    private async Task<HttpClient> SignInAsync(string user)
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true };
        var browser = new HttpClient(handler, disposeHandler: true) { BaseAddress = CityUrl, Timeout = TimeSpan.FromSeconds(20) };
        var login = await browser.GetStringAsync("/account/login");
        var antiforgery = AntiforgeryField().Match(login);
        Assert.True(antiforgery.Success, "login form has an antiforgery token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = user,
            ["Password"] = fixture.Federation["demo"]!["password"]!.GetValue<string>(),
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value),
        });
        using var signedIn = await browser.PostAsync("/account/login", form);
        Assert.Equal("/staff", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        return browser;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A minimal SIP caller over UDP from a chosen local address: INVITE, CANCEL and ACK of a final response.</summary>
    private sealed class SipCaller : IDisposable
    {
        private readonly UdpClient _udp;
        private readonly UdpClient _media;
        private readonly IPEndPoint _server;
        private readonly string _callId = Guid.NewGuid().ToString("N") + "@e2e-telephony";
        private readonly string _tag = Guid.NewGuid().ToString("N")[..10];
        private readonly List<SipReply> _unclaimed = [];
        private string _branch = string.Empty;
        private string _target = string.Empty;

        public SipCaller(IPAddress local, string server)
        {
            _udp = new UdpClient(new IPEndPoint(local, 0));
            _media = new UdpClient(new IPEndPoint(local, 0));
            _server = IPEndPoint.Parse(server);
        }

        private IPEndPoint Local => (IPEndPoint)_udp.Client.LocalEndPoint!;

        /// <summary>Sends an INVITE (with an SDP offer, no credentials) and returns the first response that satisfies <paramref name="until"/>.</summary>
        public async Task<SipReply> InviteAsync(string target, Func<SipReply, bool> until)
        {
            _target = target;
            _branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
            var mediaPort = ((IPEndPoint)_media.Client.LocalEndPoint!).Port;
            var sdp = $"v=0\r\no=- 1 1 IN IP4 {Local.Address}\r\ns=-\r\nc=IN IP4 {Local.Address}\r\nt=0 0\r\n" +
                      $"m=audio {mediaPort} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
            return await SendAsync(Request("INVITE", 1, "application/sdp", sdp), until);
        }

        /// <summary>CANCELs the pending INVITE: the CANCEL's 200, then the INVITE's final response (acknowledged).</summary>
        public async Task<(SipReply Cancelled, SipReply Final)> CancelAsync()
        {
            var cancelled = await SendAsync(Request("CANCEL", 1, null, null), r => r.Status >= 200 && r.Header("CSeq")!.EndsWith("CANCEL", StringComparison.Ordinal));
            var final = await ReceiveAsync(r => r.Status >= 200 && r.Header("CSeq")!.EndsWith("INVITE", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            await AckAsync(final);
            return (cancelled, final);
        }

        /// <summary>The ACK of a non-2xx final response (same branch, the response's To tag).</summary>
        public async Task AckAsync(SipReply final)
        {
            var ack = Request("ACK", 1, null, null).Replace($"To: <sip:{_target}@{_server.Address}>\r\n",
                $"To: {final.Header("To")}\r\n", StringComparison.Ordinal);
            await _udp.SendAsync(Encoding.ASCII.GetBytes(ack), _server);
        }

        private string Request(string method, int cseq, string? contentType, string? body)
        {
            var sb = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"{method} sip:{_target}@{_server} SIP/2.0\r\n")
                .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {Local};branch={_branch}\r\n")
                .Append("Max-Forwards: 70\r\n")
                .Append(CultureInfo.InvariantCulture, $"From: <sip:13900000000@{Local.Address}>;tag={_tag}\r\n")
                .Append(CultureInfo.InvariantCulture, $"To: <sip:{_target}@{_server.Address}>\r\n")
                .Append(CultureInfo.InvariantCulture, $"Call-ID: {_callId}\r\n")
                .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} {method}\r\n")
                .Append(CultureInfo.InvariantCulture, $"Contact: <sip:13900000000@{Local}>\r\n");
            if (contentType is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");
            }

            var payload = body ?? string.Empty;
            return sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.ASCII.GetByteCount(payload)}\r\n\r\n{payload}").ToString();
        }

        /// <summary>Sends with RFC 3261 timer-E-like retransmission until a matching response arrives.</summary>
        private async Task<SipReply> SendAsync(string message, Func<SipReply, bool> until)
        {
            var bytes = Encoding.ASCII.GetBytes(message);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(32));
            var interval = TimeSpan.FromMilliseconds(500);
            var provisional = false;
            while (true)
            {
                if (!provisional)
                {
                    await _udp.SendAsync(bytes, _server, deadline.Token);
                }

                try
                {
                    var reply = await ReceiveAsync(r => until(r) || r.Status < 200, interval, deadline.Token);
                    if (until(reply))
                    {
                        return reply;
                    }

                    provisional = true; // a provisional response stops retransmission; keep waiting
                }
                catch (TimeoutException) when (!deadline.IsCancellationRequested)
                {
                    interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, 4000));
                }
            }
        }

        private async Task<SipReply> ReceiveAsync(Func<SipReply, bool> match, TimeSpan timeout, CancellationToken outer = default)
        {
            if (_unclaimed.FirstOrDefault(match) is { } earlier)
            {
                _unclaimed.Remove(earlier);
                return earlier;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(outer);
            wait.CancelAfter(timeout);
            try
            {
                while (true)
                {
                    var received = await _udp.ReceiveAsync(wait.Token);
                    var text = Encoding.UTF8.GetString(received.Buffer);
                    if (!text.StartsWith("SIP/2.0 ", StringComparison.Ordinal))
                    {
                        continue; // a request from the server (none expected here)
                    }

                    var reply = SipReply.Parse(text);
                    if (reply.Header("Call-ID") != _callId)
                    {
                        continue;
                    }

                    if (match(reply))
                    {
                        return reply;
                    }

                    _unclaimed.Add(reply); // e.g. the INVITE's 487 before the CANCEL's 200
                }
            }
            catch (OperationCanceledException) when (!outer.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching SIP response within {timeout.TotalSeconds} s");
            }
        }

        public void Dispose()
        {
            _udp.Dispose();
            _media.Dispose();
        }
    }

    /// <summary>The PCM samples of a 16-bit WAV file, with what the test needs to tell speech from silence.</summary>
    private sealed record Wav(int SampleRate, int Channels, short[] Samples)
    {
        public TimeSpan Duration => TimeSpan.FromSeconds((double)Samples.Length / Channels / SampleRate);

        public static Wav Read(byte[] bytes)
        {
            Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WAVE", Encoding.ASCII.GetString(bytes, 8, 4));
            int rate = 0, channels = 0, bits = 0;
            for (var offset = 12; offset + 8 <= bytes.Length;)
            {
                var id = Encoding.ASCII.GetString(bytes, offset, 4);
                var size = BitConverter.ToInt32(bytes, offset + 4);
                if (id == "fmt ")
                {
                    channels = BitConverter.ToInt16(bytes, offset + 10);
                    rate = BitConverter.ToInt32(bytes, offset + 12);
                    bits = BitConverter.ToInt16(bytes, offset + 22);
                }
                else if (id == "data")
                {
                    Assert.Equal(16, bits);
                    var length = Math.Min(size, bytes.Length - offset - 8) / 2;
                    var samples = new short[length];
                    Buffer.BlockCopy(bytes, offset + 8, samples, 0, length * 2);
                    return new Wav(rate, channels, samples);
                }

                offset += 8 + size + (size & 1);
            }

            throw new InvalidDataException("The WAV file has no data chunk.");
        }

        /// <summary>Seconds of 20 ms frames whose RMS level is above <paramref name="threshold"/>.</summary>
        public double VoicedSeconds(double threshold)
        {
            var frame = SampleRate / 50 * Channels;
            var voiced = 0;
            for (var start = 0; start + frame <= Samples.Length; start += frame)
            {
                double sum = 0;
                for (var i = start; i < start + frame; i++)
                {
                    sum += (double)Samples[i] * Samples[i];
                }

                if (Math.Sqrt(sum / frame) > threshold)
                {
                    voiced++;
                }
            }

            return voiced * 0.02;
        }
    }
}
