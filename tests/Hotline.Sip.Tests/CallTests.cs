using System.Diagnostics;
using System.Globalization;
using System.Net;
using Hotline.Sip.Tests.Support;
using Hotline.Telephony;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>Calls to 12328 end to end: SIPp as the citizen's phone, baresip as the agent's phone, the engine between.</summary>
public sealed class CallTests(ITestOutputHelper output)
{
    private static string Ms(int ms) => ms.ToString(CultureInfo.InvariantCulture);

    private async Task<Hotline.Telephony.CallControl.Call> ActiveCall(EngineHost host) =>
        await Poller.ValueAsync(() => host.Calls.ActiveCallList.FirstOrDefault(c => c.CallerMedia is not null), TimeSpan.FromSeconds(10),
            "the call to appear");

    private static async Task WaitRegistered(EngineHost host, string extension, Baresip phone)
    {
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.Find(extension) is not null, TimeSpan.FromSeconds(15)),
            "baresip did not register:\n" + phone.Output);
    }

    [Fact]
    public async Task Call_reaches_ivr_then_agent_with_audio_both_ways_bye_on_both_legs_and_stereo_recording()
    {
        await using var host = await EngineHost.StartAsync(output);
        await using var agent = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: true, toneHz: 1000);
        await WaitRegistered(host, EngineHost.Agent1, agent);
        Assert.Equal(AgentState.Ready, host.Calls.Acd.StateOf(EngineHost.Agent1));

        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call.xml", TimeSpan.FromSeconds(60), "u1",
            "-key", "probe_port", probe.Port.ToString(CultureInfo.InvariantCulture), "-d", Ms(4000));
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;

        // The Mandarin welcome arrives as RTP before any digit.
        var start = DateTime.UtcNow;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Received >= 50, TimeSpan.FromSeconds(10)), "no prompt RTP");
        var prompt = probe.Since(start);
        Assert.True(RtpProbe.Rms(prompt) > 300, $"prompt is silent (rms {RtpProbe.Rms(prompt):F0})");

        await probe.SendDigitAsync(1); // 投诉举报
        probe.StartTone(400);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == Hotline.Telephony.CallControl.CallPhase.Talking, TimeSpan.FromSeconds(20)),
            $"not answered: phase {call.Phase}\n{agent.Output}");
        Assert.Equal("complaint", call.Queue);
        Assert.Equal("1", call.IvrPath);
        var answeredAt = DateTime.UtcNow;

        var (code, log) = await sipp;
        Assert.True(code == 0, log);

        // The caller heard the agent's 1 kHz tone.
        var heard = probe.Since(answeredAt.AddMilliseconds(500));
        Assert.True(heard.Length > 8000, $"caller heard {heard.Length} samples from the agent");
        Assert.True(RtpProbe.ToneShare(heard, 1000) > 0.5, $"agent tone share {RtpProbe.ToneShare(heard, 1000):F2}");

        // BYE on both legs: the caller's BYE got 200 (SIPp passed) and the agent's leg was ended with 200.
        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "agentLegEnded" && e.State == "200"), TimeSpan.FromSeconds(10)),
            "agent leg not ended: " + string.Join(", ", host.Sinks.Events.Select(e => $"{e.Type}:{e.State}")));
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal("answered", cdr.Outcome);
        Assert.Equal(EngineHost.Agent1, cdr.Agent);

        // The recording is stereo with the caller (400 Hz) left and the agent (1 kHz) right.
        Assert.NotNull(cdr.RecordingPath);
        var (left, right) = ReadStereo(cdr.RecordingPath!);
        Assert.True(left.Length > 8000 * 2, $"recording is {left.Length / 8000.0:F1} s");
        Assert.True(RtpProbe.ToneShare(left, 400) > 0.5, $"left 400 Hz share {RtpProbe.ToneShare(left, 400):F2}");
        Assert.True(RtpProbe.ToneShare(right, 1000) > 0.5, $"right 1 kHz share {RtpProbe.ToneShare(right, 1000):F2}");
        var stats = await SoxChannelRms(cdr.RecordingPath!);
        output.WriteLine($"sox RMS dB left {stats.Left}, right {stats.Right}");
        Assert.True(stats.Left > -40 && stats.Right > -40, $"sox RMS dB left {stats.Left}, right {stats.Right}");

        // The agent's phone heard the caller: baresip's decoded dump holds the 400 Hz tone.
        var dump = agent.Dumps().FirstOrDefault(f => f.Contains("-dec", StringComparison.Ordinal));
        Assert.NotNull(dump);
        var decoded = Hotline.Telephony.Media.WavReader.ReadMono8k(dump);
        output.WriteLine($"baresip heard {decoded.Length} samples, 400 Hz share {RtpProbe.ToneShare(decoded, 400):F2}");
        Assert.True(RtpProbe.ToneShare(decoded, 400) > 0.5, $"agent's phone heard 400 Hz share {RtpProbe.ToneShare(decoded, 400):F2}");

        Assert.True(call.AgentMedia is null || call.AgentMedia.AudioPacketsReceived > 50);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.Acd.StateOf(EngineHost.Agent1) == AgentState.Ready, TimeSpan.FromSeconds(5)),
            "agent did not return to ready after wrap-up");
        var queue = host.Calls.Acd.Queues().Single(q => q.Name == "complaint");
        Assert.Equal((1, 1), (queue.Answered, queue.AnsweredWithin15s));
    }

    [Fact]
    public async Task Cancel_while_ringing_the_agent_gives_487_and_cancels_the_agent_leg()
    {
        await using var host = await EngineHost.StartAsync(output);
        await using var agent = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: false);
        await WaitRegistered(host, EngineHost.Agent1, agent);

        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-cancel.xml", TimeSpan.FromSeconds(30), "u1",
            "-key", "probe_port", probe.Port.ToString(CultureInfo.InvariantCulture), "-d", Ms(4000));
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        await probe.SendDigitAsync(2);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "ringing" && e.Agent == EngineHost.Agent1), TimeSpan.FromSeconds(5)));

        var (code, log) = await sipp;
        Assert.True(code == 0, log); // SIPp saw 200 for CANCEL and 487 for INVITE

        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "agentLegCancelled"), TimeSpan.FromSeconds(10)),
            "agent INVITE not cancelled: " + string.Join(", ", host.Sinks.Events.Select(e => $"{e.Type}:{e.State}")));
        Assert.Equal("487", host.Sinks.Events.First(e => e.Type == "agentLegCancelled").State);
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal("abandoned", cdr.Outcome);
        Assert.Equal(1, host.Calls.Acd.Queues().Single(q => q.Name == "inquiry").Abandoned);
        var kept = host.Calls.Callbacks.List().Single(); // 放弃呼叫 kept for a call-back
        Assert.Equal((Hotline.Telephony.CallControl.CallbackRequest.Abandoned, "13800138000", "inquiry"), (kept.Reason, kept.Caller, kept.Queue));
        Assert.Equal(AgentState.Ready, host.Calls.Acd.StateOf(EngineHost.Agent1));
    }

    [Fact]
    public async Task No_agent_ready_gives_position_announcements_then_voicemail_to_the_sink()
    {
        await using var host = await EngineHost.StartAsync(output, o =>
        {
            o.PositionAnnouncementSeconds = 1;
            foreach (var q in o.Queues)
            {
                q.MaxWaitSeconds = 4;
            }
        });

        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call.xml", TimeSpan.FromSeconds(60), "u1",
            "-key", "probe_port", probe.Port.ToString(CultureInfo.InvariantCulture), "-d", Ms(12000));
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        await probe.SendDigitAsync(3);
        probe.StartTone(500); // the message the caller leaves

        var (code, log) = await sipp;
        Assert.True(code == 0, log);
        Assert.True(host.Sinks.Events.Count(e => e.Type == "position") >= 2, "position announcements: " + host.Sinks.Events.Count(e => e.Type == "position"));
        var vm = await Poller.ValueAsync(() => host.Sinks.Voicemails.FirstOrDefault(), TimeSpan.FromSeconds(10), "the voicemail");
        Assert.Equal("overflow", vm.Reason);
        Assert.Equal("suggestion", vm.Queue);
        Assert.Equal("13800138000", vm.Caller);
        Assert.True(vm.Duration > TimeSpan.FromSeconds(2), $"voicemail {vm.Duration}");
        var message = Hotline.Telephony.Media.WavReader.ReadMono8k(vm.RecordingPath);
        Assert.True(RtpProbe.ToneShare(message, 500) > 0.5, $"voicemail 500 Hz share {RtpProbe.ToneShare(message, 500):F2}");
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal(("voicemail", "440300-20261125-000001"), (cdr.Outcome, cdr.CaseNumber));
        Assert.Equal(1, host.Calls.Acd.Queues().Single(q => q.Name == "suggestion").Overflowed);
    }

    [Fact]
    public async Task Call_to_a_registered_extension_rings_it_through_the_b2bua_and_bridges_media()
    {
        await using var host = await EngineHost.StartAsync(output);
        await using var agent = Baresip.Start(host.Udp, EngineHost.Agent2, "s3cret-8002", autoAnswer: true, toneHz: 1000);
        await WaitRegistered(host, EngineHost.Agent2, agent);
        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-extension.xml", TimeSpan.FromSeconds(30), "u1", "-s", EngineHost.Agent2,
            "-key", "probe_port", probe.Port.ToString(CultureInfo.InvariantCulture), "-d", Ms(3000));
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        probe.StartTone(400);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == Hotline.Telephony.CallControl.CallPhase.Talking, TimeSpan.FromSeconds(10)),
            $"not answered: {call.Phase}\n{agent.Output}");
        var answeredAt = DateTime.UtcNow;
        var (code, log) = await sipp;
        Assert.True(code == 0, log);
        var heard = probe.Since(answeredAt.AddMilliseconds(300));
        Assert.True(RtpProbe.ToneShare(heard, 1000) > 0.5, $"1 kHz share {RtpProbe.ToneShare(heard, 1000):F2}");
        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "agentLegEnded" && e.State == "200"), TimeSpan.FromSeconds(10)));
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal((EngineHost.Agent2, "8002", "answered"), (cdr.Agent, cdr.Called, cdr.Outcome));
    }

    [Fact]
    public async Task Call_to_an_unregistered_extension_is_404_and_non_loopback_callers_need_digest()
    {
        await using var host = await EngineHost.StartAsync(output, o => o.TrustLoopback = false);
        using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var invite = $"INVITE sip:12328@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-auth1\r\n"
                     + "From: <sip:x@127.0.0.1>;tag=a\r\nTo: <sip:12328@127.0.0.1>\r\nCall-ID: auth-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        await udp.SendAsync(System.Text.Encoding.ASCII.GetBytes(invite), host.Udp);
        string text;
        do
        {
            var r = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
            text = System.Text.Encoding.ASCII.GetString(r.Buffer);
        }
        while (text.StartsWith("SIP/2.0 100", StringComparison.Ordinal));

        Assert.StartsWith("SIP/2.0 407", text, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authenticate: Digest realm=\"12328.local\"", text, StringComparison.Ordinal);

        await using var open = await EngineHost.StartAsync(output);
        var (code, log) = await Sipp.RunAsync(open.Udp, "call-extension.xml", TimeSpan.FromSeconds(10), "u1", "-s", "8009",
            "-key", "probe_port", "9", "-d", "100");
        Assert.NotEqual(0, code);
        Assert.Contains("404", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cti_hang_up_ends_a_call_in_the_ivr_with_a_final_response()
    {
        await using var host = await EngineHost.StartAsync(output);
        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-hung-up.xml", TimeSpan.FromSeconds(20), "u1",
            "-key", "probe_port", probe.Port.ToString(CultureInfo.InvariantCulture));
        var call = await ActiveCall(host);
        Assert.True(host.Calls.HangUp(call.Id));
        var (code, log) = await sipp;
        Assert.True(code == 0, log);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.ActiveCallList.Count == 0, TimeSpan.FromSeconds(5)));
        Assert.False(host.Calls.HangUp(call.Id));
    }

    [Theory]
    [InlineData("call-pcap-dtmf.xml", "inquiry", "2")]
    [InlineData("call-info-dtmf.xml", "suggestion", "3")]
    public async Task Digits_from_sipp_by_rfc4733_and_sip_info_choose_the_queue(string scenario, string queue, string path)
    {
        await using var host = await EngineHost.StartAsync(output);
        var (code, log) = await Sipp.RunAsync(host.Udp, scenario, TimeSpan.FromSeconds(30), "u1", "-d", Ms(3000));
        Assert.True(code == 0, log);
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal((queue, path, "abandoned"), (cdr.Queue, cdr.IvrPath, cdr.Outcome));
    }

    internal static (short[] Left, short[] Right) ReadStereo(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var n = (bytes.Length - 44) / 4;
        var l = new short[n];
        var r = new short[n];
        for (var i = 0; i < n; i++)
        {
            l[i] = BitConverter.ToInt16(bytes, 44 + (i * 4));
            r[i] = BitConverter.ToInt16(bytes, 46 + (i * 4));
        }

        return (l, r);
    }

    private static async Task<(double Left, double Right)> SoxChannelRms(string path)
    {
        async Task<double> Channel(int c)
        {
            await using var p = new ExternalProcess("sox", [path, "-n", "remix", c.ToString(CultureInfo.InvariantCulture), "stats"]);
            await p.WaitAsync(TimeSpan.FromSeconds(20));
            var line = p.Output.Split('\n').First(l => l.StartsWith("RMS lev dB", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
        }

        return (await Channel(1), await Channel(2));
    }
}
