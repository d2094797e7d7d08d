using System.Globalization;
using Hotline.Sip.Tests.Support;
using Hotline.Telephony;
using Hotline.Telephony.CallControl;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>
/// The IVR answers the call (200 OK at once, <c>Sip:IvrAnswer Answer</c>) while the figures keep meaning "answered by an
/// agent"; an extension registered by several phones rings them all. SIPp as the citizen, baresip as the agents.
/// </summary>
public sealed class IvrAnswerAndBindingTests(ITestOutputHelper output)
{
    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static void Answering(SipOptions o) => o.IvrAnswer = IvrAnswerMode.Answer;

    private async Task<Call> ActiveCall(EngineHost host) =>
        await Poller.ValueAsync(() => host.Calls.ActiveCallList.FirstOrDefault(c => c.CallerMedia is not null), TimeSpan.FromSeconds(10),
            "the call to appear");

    [Fact]
    public async Task The_ivr_answers_at_once_and_the_call_counts_as_answered_only_when_the_agent_answers()
    {
        await using var host = await EngineHost.StartAsync(output, Answering);
        await using var agent = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: true, toneHz: 1000);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.Find(EngineHost.Agent1) is not null, TimeSpan.FromSeconds(15)), agent.Output);

        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-answered.xml", TimeSpan.FromSeconds(60), "u1", "-key", "probe_port", S(probe.Port), "-d", "4000");
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Received >= 50, TimeSpan.FromSeconds(10)), "no prompt RTP");
        Assert.Equal(CallPhase.Ivr, call.Phase);
        Assert.True(call.CallerAnswered, "the IVR did not answer the caller");
        Assert.DoesNotContain(host.Sinks.Events, e => e.Type == "answered");
        Assert.Equal(0, host.Calls.Acd.Queues().Single(q => q.Name == "complaint").Answered);

        var beforeDigit = DateTimeOffset.UtcNow; // the agent can only answer once the caller has picked a queue
        await probe.SendDigitAsync(1); // 投诉举报, in the confirmed dialog
        probe.StartTone(400);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.Talking, TimeSpan.FromSeconds(20)), $"phase {call.Phase}\n{agent.Output}");
        var answeredAt = DateTime.UtcNow;
        var (code, log) = await sipp;
        Assert.True(code == 0, log); // 200 without 183, ACK, talk, BYE → 200

        var heard = probe.Since(answeredAt.AddMilliseconds(500));
        Assert.True(RtpProbe.ToneShare(heard, 1000) > 0.5, $"caller heard the agent's tone share {RtpProbe.ToneShare(heard, 1000):F2}");
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal(("answered", EngineHost.Agent1, "complaint"), (cdr.Outcome, cdr.Agent, cdr.Queue));
        Assert.NotNull(cdr.Answered);
        Assert.True(cdr.Answered >= beforeDigit && cdr.Queued <= cdr.Answered,
            $"answeredAt {cdr.Answered:O} is the agent's answer (after the digit at {beforeDigit:O} and the queue), not the IVR's");
        var queue = host.Calls.Acd.Queues().Single(q => q.Name == "complaint");
        Assert.Equal((1, 0), (queue.Answered, queue.Abandoned));
    }

    [Fact]
    public async Task A_caller_who_hangs_up_in_the_queue_after_the_ivr_answered_is_abandoned_and_owed_a_call_back()
    {
        await using var host = await EngineHost.StartAsync(output, Answering); // no agent registered
        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-answered.xml", TimeSpan.FromSeconds(40), "u1", "-key", "probe_port", S(probe.Port), "-d", "4000");
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Received >= 20, TimeSpan.FromSeconds(10)), "no prompt RTP");
        await probe.SendDigitAsync(2);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.Queued, TimeSpan.FromSeconds(10)), $"phase {call.Phase}");

        var (code, log) = await sipp; // the caller's BYE after the pause
        Assert.True(code == 0, log);
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal("abandoned", cdr.Outcome);
        Assert.Null(cdr.Answered);
        var queue = host.Calls.Acd.Queues().Single(q => q.Name == "inquiry");
        Assert.Equal((0, 1), (queue.Answered, queue.Abandoned));
        Assert.Equal(CallbackRequest.Abandoned, host.Calls.Callbacks.List().Single().Reason);
    }

    [Fact]
    public async Task The_readme_example_sipp_sn_uac_to_12328_completes()
    {
        await using var host = await EngineHost.StartAsync(output, o => o.IvrAnswer = new SipOptions().IvrAnswer); // the default
        Assert.Equal(IvrAnswerMode.Answer, host.Calls.Options.IvrAnswer);
        await using var sipp = new ExternalProcess("sipp",
        [
            "-sn", "uac", "-s", "12328", $"{host.Udp.Address}:{S(host.Udp.Port)}", "-m", "1", "-i", "127.0.0.1", "-p", S(FreePort.Both()),
            "-timeout", "20s", "-timeout_error", "-nostdin",
        ], Directory.CreateTempSubdirectory("sipp-readme-").FullName);
        Assert.Equal(0, await sipp.WaitAsync(TimeSpan.FromSeconds(30)));

        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.NotEqual("answered", cdr.Outcome); // hung up in the IVR: reached the hotline, not an agent
        Assert.Null(cdr.Agent);
        Assert.All(host.Calls.Acd.Queues(), q => Assert.Equal((0, 0), (q.Answered, q.Abandoned)));
        Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.ActiveCalls == 0 && host.Engine.Dialogs.Count == 0, TimeSpan.FromSeconds(5)),
            $"left behind: {host.Calls.ActiveCalls} calls, {host.Engine.Dialogs.Count} dialogs");
    }

    [Fact]
    public async Task Every_phone_registered_for_an_extension_rings_and_the_first_to_answer_takes_the_call()
    {
        await using var host = await EngineHost.StartAsync(output);
        await using var desk = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: false);
        await using var soft = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: true, toneHz: 1000);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.FindAll(EngineHost.Agent1).Count == 2, TimeSpan.FromSeconds(15)),
            $"two bindings expected, have {host.Engine.Registrar.FindAll(EngineHost.Agent1).Count}\n{desk.Output}\n{soft.Output}");
        Assert.Equal(2, host.Engine.Registrar.FindAll(EngineHost.Agent1).Select(r => r.Peer.Remote).Distinct().Count());

        await using var probe = new RtpProbe();
        var (code, log) = await Sipp.RunAsync(host.Udp, "call-extension.xml", TimeSpan.FromSeconds(30), "u1",
            "-s", EngineHost.Agent1, "-key", "probe_port", S(probe.Port), "-d", "2000");
        Assert.True(code == 0, log);

        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal(("answered", EngineHost.Agent1), (cdr.Outcome, cdr.Agent));
        // The desk phone rang too and was cancelled when the softphone answered.
        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "agentLegCancelled" && e.State == "487"), TimeSpan.FromSeconds(10)),
            "the other phone was not rung and cancelled: " + string.Join(", ", host.Sinks.Events.Select(e => $"{e.Type}:{e.State}")));
        Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.Acd.StateOf(EngineHost.Agent1) == AgentState.Ready, TimeSpan.FromSeconds(5)),
            $"agent {host.Calls.Acd.StateOf(EngineHost.Agent1)}");
    }
}
