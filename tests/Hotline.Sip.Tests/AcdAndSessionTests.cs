using System.Globalization;
using Hotline.Sip.Tests.Support;
using Hotline.Telephony;
using Hotline.Telephony.CallControl;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>
/// ACD call-backs and wait announcements, RFC 4028 session refreshes, the RTP-inactivity timeout and the CTI answer
/// command, each against real SIPp/baresip peers on the wire.
/// </summary>
public sealed class AcdAndSessionTests(ITestOutputHelper output)
{
    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static async Task<Call> ActiveCall(EngineHost host) =>
        await Poller.ValueAsync(() => host.Calls.ActiveCallList.FirstOrDefault(c => c.CallerMedia is not null), TimeSpan.FromSeconds(10),
            "the call to appear");

    private string Events(EngineHost host) => string.Join(", ", host.Sinks.Events.Select(e => $"{e.Type}:{e.State}"));

    [Fact]
    public async Task Overflow_offers_a_call_back_after_announcing_the_estimated_wait_and_1_keeps_the_caller_id()
    {
        await using var host = await EngineHost.StartAsync(output, o =>
        {
            o.PositionAnnouncementSeconds = 30;
            foreach (var q in o.Queues)
            {
                q.MaxWaitSeconds = 3;
                q.Overflow = OverflowAction.Callback;
            }
        });
        // Recent history of the queue: a caller first in line was answered after 90 s → "约两分钟" for the next one.
        host.Calls.Acd.Answered("8009", "suggestion", TimeSpan.FromSeconds(90), 1);

        await using var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, "call-callback.xml", TimeSpan.FromSeconds(60), "u1",
            "-key", "probe_port", S(probe.Port));
        var call = await ActiveCall(host);
        probe.Target = call.CallerMedia!.LocalEndPoint;
        await probe.SendDigitAsync(3);

        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "waitEstimate"), TimeSpan.FromSeconds(10)), Events(host));
        Assert.Equal("90", host.Sinks.Events.First(e => e.Type == "waitEstimate").State);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.CallbackOffer, TimeSpan.FromSeconds(15)), $"phase {call.Phase}: {Events(host)}");
        var offerAt = DateTime.UtcNow;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Since(offerAt).Length > 4000, TimeSpan.FromSeconds(10)), "no offer prompt RTP");
        await probe.SendDigitAsync(1); // 如需回电请按一

        var (code, log) = await sipp; // the engine confirms, then sends BYE
        Assert.True(code == 0, log);
        var request = host.Calls.Callbacks.List().Single();
        Assert.Equal((CallbackRequest.Requested, "13800138000", "suggestion", call.Id), (request.Reason, request.Caller, request.Queue, request.CallId));
        Assert.Contains(host.Sinks.Events, e => e.Type == "callback" && e.State == CallbackRequest.Open);
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
        Assert.Equal("callback", cdr.Outcome);
        Assert.Empty(host.Sinks.Voicemails);
        Assert.Equal(1, host.Calls.Acd.Queues().Single(q => q.Name == "suggestion").Overflowed);
    }

    [Fact]
    public async Task Session_refresh_by_re_invite_and_update_is_accepted_on_an_established_call()
    {
        var outside = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).AddHours(3);
        await using var host = await EngineHost.StartAsync(output, o =>
        {
            // Business hours elsewhere in the day: the call is answered at once by the after-hours voicemail.
            o.BusinessHoursStart = outside.ToString("HH:mm", CultureInfo.InvariantCulture);
            o.BusinessHoursEnd = outside.AddMinutes(1).ToString("HH:mm", CultureInfo.InvariantCulture);
        });
        await using var probe = new RtpProbe();
        var (code, log) = await Sipp.RunAsync(host.Udp, "session-refresh.xml", TimeSpan.FromSeconds(30), "u1",
            "-key", "probe_port", S(probe.Port));
        Assert.True(code == 0, log); // 200s carried Session-Expires (and Require: timer on the first)
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(10), "the CDR");
        Assert.Equal("voicemail", cdr.Outcome); // the refreshes did not disturb the call; the caller's BYE ended it
    }

    [Fact]
    public async Task A_talking_call_without_rtp_is_hung_up_on_both_legs_by_the_inactivity_timeout()
    {
        await using var host = await EngineHost.StartAsync(output, o => o.RtpTimeoutSeconds = 2);
        await using var agent = Baresip.Start(host.Udp, EngineHost.Agent2, "s3cret-8002", autoAnswer: true, toneHz: 1000);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.Find(EngineHost.Agent2) is not null, TimeSpan.FromSeconds(15)), agent.Output);

        // The caller's side sends no RTP at all (a dead phone or a NAT that closed).
        var (code, log) = await Sipp.RunAsync(host.Udp, "call-extension-rtp-timeout.xml", TimeSpan.FromSeconds(40), "u1",
            "-s", EngineHost.Agent2, "-key", "probe_port", S(FreePort.Udp()));
        Assert.True(code == 0, log); // SIPp got the engine's BYE
        var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(10), "the CDR");
        Assert.Equal(("rtpTimeout", EngineHost.Agent2), (cdr.Outcome, cdr.Agent));
        Assert.True(await Poller.HoldsWithinAsync(() => host.Sinks.Events.Any(e => e.Type == "agentLegEnded" && e.State == "200"), TimeSpan.FromSeconds(10)),
            "agent leg not ended: " + Events(host));
    }

    [Fact]
    public async Task Cti_answer_makes_the_ringing_agent_phone_go_off_hook()
    {
        await using var host = await EngineHost.StartAsync(output);
        var agentPort = FreePort.Both();
        var (rc, rlog) = await Sipp.RunOnPortAsync(host.Udp, "register.xml", TimeSpan.FromSeconds(15), agentPort, "u1",
            "-s", EngineHost.Agent1, "-au", EngineHost.Agent1, "-ap", EngineHost.Password);
        Assert.True(rc == 0, rlog);
        await using var phone = Sipp.StartUas("agent-remote-answer.xml", agentPort, TimeSpan.FromSeconds(40));

        await using var probe = new RtpProbe();
        var caller = Sipp.RunAsync(host.Udp, "call-extension.xml", TimeSpan.FromSeconds(40), "u1", "-s", EngineHost.Agent1,
            "-key", "probe_port", S(probe.Port), "-d", "1000");
        var call = await ActiveCall(host);
        Assert.Equal(CallPhase.Ringing, call.Phase);
        Assert.True(await Poller.HoldsWithinAsync(() => call.CanRemoteAnswer, TimeSpan.FromSeconds(15)), "the phone never rang (180): " + phone.Output);
        await Task.Delay(300); // the phone only rings; nothing answers by itself
        Assert.Equal(CallPhase.Ringing, call.Phase);

        var agent = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Role, "agent"), new("extension", EngineHost.Agent1)], "test")); // the phone's own agent
        Assert.True(Hotline.Telephony.Cti.CallCommand.Handle(host.Calls, agent, call.Id, "answer",
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).IsSuccess);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.Talking, TimeSpan.FromSeconds(10)), $"phase {call.Phase}\n{phone.Output}");
        var (code, log) = await caller;
        Assert.True(code == 0, log);
        Assert.Equal(0, await phone.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(host.Sinks.Events, e => e.Type == "remoteAnswer" && e.State == "200" && e.Agent == EngineHost.Agent1);
        Assert.False(host.Calls.Answer(call.Id)); // no longer ringing
    }
}
