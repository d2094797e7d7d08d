using System.Globalization;
using System.Security.Claims;
using Hotline.Sip.Tests.Support;
using Hotline.Telephony;
using Hotline.Telephony.CallControl;
using Hotline.Telephony.Cti;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>
/// Blind transfer against real peers: SIPp the citizen, baresip 8001 (1 kHz) the agent who transfers, baresip 8002
/// (1.5 kHz) the target. From CTI, and from the phone itself (baresip's REFER). The citizen's probe checks who is heard.
/// </summary>
public sealed class TransferTests(ITestOutputHelper output)
{
    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static readonly ClaimsPrincipal Lead = new(new ClaimsIdentity(
        [new(ClaimTypes.Role, Hotline.SharedKernel.HotlineRoles.TeamLead), new(ClaimTypes.Name, "lead")], "test"));

    private sealed record Setup(EngineHost Host, Baresip First, Baresip Second, RtpProbe Probe, Task<(int, string)> Sipp, Call Call) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Probe.DisposeAsync();
            await First.DisposeAsync();
            await Second.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    private async Task<Setup> TalkingWith8001Async()
    {
        var host = await EngineHost.StartAsync(output);
        var first = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: true, toneHz: 1000);
        var second = Baresip.Start(host.Udp, EngineHost.Agent2, "s3cret-8002", autoAnswer: true, toneHz: 1500);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.Find(EngineHost.Agent1) is not null
            && host.Engine.Registrar.Find(EngineHost.Agent2) is not null, TimeSpan.FromSeconds(15)), first.Output + second.Output);
        host.Calls.SetAgentState(EngineHost.Agent2, AgentState.NotReady, "test"); // the queue offers the call to 8001
        var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call.xml", TimeSpan.FromSeconds(90), "u1", "-key", "probe_port", S(probe.Port), "-d", "9000");
        var call = await Poller.ValueAsync(() => host.Calls.ActiveCallList.FirstOrDefault(c => c.CallerMedia is not null), TimeSpan.FromSeconds(10), "the call");
        probe.Target = call.CallerMedia!.LocalEndPoint;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Received >= 20, TimeSpan.FromSeconds(10)), "no prompt RTP");
        await probe.SendDigitAsync(1);
        probe.StartTone(400);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.Talking && call.AgentExtension == EngineHost.Agent1, TimeSpan.FromSeconds(20)),
            $"phase {call.Phase} with {call.AgentExtension}\n{first.Output}");
        return new Setup(host, first, second, probe, sipp, call);
    }

    private async Task AssertHearsAsync(RtpProbe probe, int hz, string who)
    {
        var from = DateTime.UtcNow.AddMilliseconds(500);
        await Task.Delay(1500);
        var heard = probe.Since(from);
        output.WriteLine($"{who}: {heard.Length} samples, {hz} Hz share {RtpProbe.ToneShare(heard, hz):F2}");
        Assert.True(heard.Length > 4000 && RtpProbe.ToneShare(heard, hz) > 0.5, $"the caller should hear {who} ({hz} Hz share {RtpProbe.ToneShare(heard, hz):F2})");
    }

    private static async Task AssertTransferredAsync(Setup s)
    {
        var (code, log) = await s.Sipp;
        Assert.True(code == 0, log);
        var cdr = await Poller.ValueAsync(() => s.Host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal(("answered", EngineHost.Agent2, "complaint"), (cdr.Outcome, cdr.Agent, cdr.Queue));
        Assert.NotNull(cdr.RecordingPath); // one recording for the whole call
        var (left, right) = CallTests.ReadStereo(cdr.RecordingPath!);
        Assert.True(RtpProbe.ToneShare(right[^12000..^4000], 1500) > 0.5, "the recording's agent side does not end with 8002");
        Assert.True(RtpProbe.ToneShare(left[^12000..^4000], 400) > 0.5, "the recording's caller side stops after the transfer");
        var queue = s.Host.Calls.Acd.Queues().Single(q => q.Name == "complaint");
        Assert.Equal((1, 0), (queue.Answered, queue.Abandoned)); // counted once
        Assert.Contains(s.Host.Sinks.Events, e => e.Type == "transferred" && e.Agent == EngineHost.Agent2);
        Assert.True(await Poller.HoldsWithinAsync(() => s.Host.Calls.ActiveCalls == 0 && s.Host.Engine.Dialogs.Count == 0, TimeSpan.FromSeconds(5)),
            $"left behind: {s.Host.Calls.ActiveCalls} calls, {s.Host.Engine.Dialogs.Count} dialogs");
    }

    [Fact]
    public async Task Cti_blind_transfer_to_another_extension_moves_the_caller_recording_and_cdr()
    {
        await using var s = await TalkingWith8001Async();
        await AssertHearsAsync(s.Probe, 1000, "8001");

        var unknown = CallCommand.Handle(s.Host.Calls, Lead, s.Call.Id, "transfer", "8099", NullLogger.Instance);
        Assert.Equal("cti.target_not_registered", unknown.Error?.Code);
        var none = CallCommand.Handle(s.Host.Calls, Lead, s.Call.Id, "transfer", null, NullLogger.Instance);
        Assert.Equal(Hotline.SharedKernel.ErrorKind.Invalid, none.Error?.Kind);
        var same = CallCommand.Handle(s.Host.Calls, Lead, s.Call.Id, "transfer", EngineHost.Agent1, NullLogger.Instance);
        Assert.Equal("cti.cannot_transfer", same.Error?.Code);

        Assert.True(CallCommand.Handle(s.Host.Calls, Lead, s.Call.Id, "transfer", EngineHost.Agent2, NullLogger.Instance).IsSuccess);
        Assert.True(await Poller.HoldsWithinAsync(() => s.Call.Phase == CallPhase.Talking && s.Call.AgentExtension == EngineHost.Agent2, TimeSpan.FromSeconds(15)),
            $"phase {s.Call.Phase} with {s.Call.AgentExtension}\n{s.Second.Output}");
        Assert.True(await Poller.HoldsWithinAsync(() => s.Host.Sinks.Events.Any(e => e.Type == "agentLegEnded" && e.Agent == EngineHost.Agent1 && e.State == "200"),
            TimeSpan.FromSeconds(5)), "8001's leg was not ended");
        await AssertHearsAsync(s.Probe, 1500, "8002");
        await AssertTransferredAsync(s);
    }

    [Fact]
    public async Task The_agents_phone_transfers_with_refer_and_gets_the_outcome_by_notify()
    {
        await using var s = await TalkingWith8001Async();
        await AssertHearsAsync(s.Probe, 1000, "8001");

        output.WriteLine(await s.First.CommandAsync("transfer", $"sip:{EngineHost.Agent2}@{s.Host.Udp}"));
        Assert.True(await Poller.HoldsWithinAsync(() => s.Call.Phase == CallPhase.Talking && s.Call.AgentExtension == EngineHost.Agent2, TimeSpan.FromSeconds(15)),
            $"phase {s.Call.Phase} with {s.Call.AgentExtension}\n{s.First.Output}");
        await AssertHearsAsync(s.Probe, 1500, "8002");
        Assert.Contains(s.Host.Sinks.Events, e => e.Type == "transferring" && e.Agent == EngineHost.Agent1 && e.State == EngineHost.Agent2);
        await AssertTransferredAsync(s);
    }
}
