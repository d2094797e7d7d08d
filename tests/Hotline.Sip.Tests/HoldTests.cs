using System.Globalization;
using System.Security.Claims;
using Hotline.Sip.Tests.Support;
using Hotline.Telephony.CallControl;
using Hotline.Telephony.Cti;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>
/// Hold and resume against real peers: baresip (the agent's phone) holds with its own re-INVITE (sendonly), or CTI holds
/// and the engine re-INVITEs SIPp (the caller, which checks a=sendonly then a=sendrecv) and baresip (inactive). The
/// caller's RTP probe checks what is heard: the agent before, music on hold while held, the agent again after resume.
/// </summary>
public sealed class HoldTests(ITestOutputHelper output)
{
    private const int AgentTone = 1000;
    private const int CallerTone = 400;

    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    private async Task<(EngineHost Host, Baresip Agent, RtpProbe Probe, Task<(int, string)> Sipp, Call Call)> TalkingAsync(string scenario, int pauseMs)
    {
        var host = await EngineHost.StartAsync(output);
        var agent = Baresip.Start(host.Udp, EngineHost.Agent1, EngineHost.Password, autoAnswer: true, toneHz: AgentTone);
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Registrar.Find(EngineHost.Agent1) is not null, TimeSpan.FromSeconds(15)), agent.Output);
        var probe = new RtpProbe();
        var sipp = Sipp.RunAsync(host.Udp, scenario, TimeSpan.FromSeconds(90), "u1", "-key", "probe_port", S(probe.Port), "-d", S(pauseMs));
        var call = await Poller.ValueAsync(() => host.Calls.ActiveCallList.FirstOrDefault(c => c.CallerMedia is not null), TimeSpan.FromSeconds(10), "the call");
        probe.Target = call.CallerMedia!.LocalEndPoint;
        Assert.True(await Poller.HoldsWithinAsync(() => probe.Received >= 20, TimeSpan.FromSeconds(10)), "no prompt RTP");
        await probe.SendDigitAsync(1);
        probe.StartTone(CallerTone);
        Assert.True(await Poller.HoldsWithinAsync(() => call.Phase == CallPhase.Talking, TimeSpan.FromSeconds(20)), $"phase {call.Phase}\n{agent.Output}");
        return (host, agent, probe, sipp, call);
    }

    /// <summary>What the caller heard over the next <paramref name="span"/>, from half a second on.</summary>
    private static async Task<short[]> HearAsync(RtpProbe probe, TimeSpan span)
    {
        var from = DateTime.UtcNow.AddMilliseconds(500);
        await Task.Delay(span);
        return probe.Since(from);
    }

    private void AssertHearsAgent(short[] heard, string when)
    {
        var share = RtpProbe.ToneShare(heard, AgentTone);
        output.WriteLine($"{when}: {heard.Length} samples, agent tone share {share:F2}, rms {RtpProbe.Rms(heard):F0}");
        Assert.True(heard.Length > 4000 && share > 0.5, $"{when}: the caller should hear the agent (share {share:F2}, {heard.Length} samples)");
    }

    private void AssertHearsMusic(short[] heard)
    {
        var share = RtpProbe.ToneShare(heard, AgentTone);
        output.WriteLine($"held: {heard.Length} samples, agent tone share {share:F2}, rms {RtpProbe.Rms(heard):F0}");
        Assert.True(share < 0.2, $"held: the agent's voice still reaches the caller (share {share:F2})");
        Assert.True(RtpProbe.Rms(heard) > 100, $"held: no music on hold (rms {RtpProbe.Rms(heard):F0})");
    }

    [Fact]
    public async Task The_agents_phone_holds_the_caller_hears_music_and_after_resume_both_hear_each_other()
    {
        var (host, agent, probe, sipp, call) = await TalkingAsync("call.xml", 9000);
        await using (host)
        await using (agent)
        await using (probe)
        {
            AssertHearsAgent(await HearAsync(probe, TimeSpan.FromSeconds(1.5)), "before hold");

            output.WriteLine(await agent.CommandAsync("hold")); // baresip: re-INVITE a=sendonly
            Assert.True(await Poller.HoldsWithinAsync(() => call.Held == HoldParty.Caller, TimeSpan.FromSeconds(5)), $"not held\n{agent.Output}");
            var heldAt = DateTime.UtcNow;
            AssertHearsMusic(await HearAsync(probe, TimeSpan.FromSeconds(2)));

            output.WriteLine(await agent.CommandAsync("resume")); // re-INVITE a=sendrecv
            Assert.True(await Poller.HoldsWithinAsync(() => call.Held is null, TimeSpan.FromSeconds(5)), $"not resumed\n{agent.Output}");
            var resumedAt = DateTime.UtcNow;
            AssertHearsAgent(await HearAsync(probe, TimeSpan.FromSeconds(1.5)), "after resume");

            var (code, log) = await sipp;
            Assert.True(code == 0, log);
            Assert.Contains(host.Sinks.Events, e => e.Type == "held" && e.State == "caller");
            Assert.Contains(host.Sinks.Events, e => e.Type == "resumed");

            // The recording runs through the hold: silence on both channels where it was, the voices either side.
            var cdr = await Poller.ValueAsync(() => host.Calls.RecentRecords.FirstOrDefault(), TimeSpan.FromSeconds(5), "the CDR");
            Assert.Equal("answered", cdr.Outcome);
            var (left, right) = CallTests.ReadStereo(cdr.RecordingPath!);
            var answered = cdr.Answered!.Value.UtcDateTime;
            var talk = (cdr.Ended - cdr.Answered.Value).TotalSeconds;
            output.WriteLine($"recording {left.Length / 8000.0:F1} s for {talk:F1} s of talk; hold {(heldAt - answered).TotalSeconds:F1}–{(resumedAt - answered).TotalSeconds:F1} s");
            Assert.True(left.Length / 8000.0 > talk - 1.5, $"the recording ({left.Length / 8000.0:F1} s) has a gap: {talk:F1} s of talk");
            var holdStart = (int)(((heldAt - answered).TotalSeconds + 0.5) * 8000);
            var holdEnd = (int)(((resumedAt - answered).TotalSeconds - 0.5) * 8000);
            Assert.True(holdEnd - holdStart > 4000, "the hold was too short to check");
            Assert.True(RtpProbe.Rms(left[holdStart..holdEnd]) < 50 && RtpProbe.Rms(right[holdStart..holdEnd]) < 50,
                $"hold not silent: rms left {RtpProbe.Rms(left[holdStart..holdEnd]):F0}, right {RtpProbe.Rms(right[holdStart..holdEnd]):F0}");
            var after = (int)(((resumedAt - answered).TotalSeconds + 0.5) * 8000);
            Assert.True(RtpProbe.ToneShare(right[after..Math.Min(right.Length, after + 8000)], AgentTone) > 0.5, "no agent voice after the hold");
            Assert.True(RtpProbe.ToneShare(left[after..Math.Min(left.Length, after + 8000)], CallerTone) > 0.5, "no caller voice after the hold");
            Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.ActiveCalls == 0 && host.Engine.Dialogs.Count == 0, TimeSpan.FromSeconds(5)),
                $"left behind: {host.Calls.ActiveCalls} calls, {host.Engine.Dialogs.Count} dialogs");
        }
    }

    [Fact]
    public async Task Cti_holds_the_caller_with_reinvites_to_both_phones_and_resumes_with_audio_back()
    {
        var (host, agent, probe, sipp, call) = await TalkingAsync("call-held.xml", 3000);
        await using (host)
        await using (agent)
        await using (probe)
        {
            var lead = new ClaimsPrincipal(new ClaimsIdentity([new(ClaimTypes.Role, Hotline.SharedKernel.HotlineRoles.TeamLead), new(ClaimTypes.Name, "lead")], "test"));
            AssertHearsAgent(await HearAsync(probe, TimeSpan.FromSeconds(1.5)), "before hold");

            Assert.True(CallCommand.Handle(host.Calls, lead, call.Id, "hold", NullLogger.Instance).IsSuccess);
            Assert.True(await Poller.HoldsWithinAsync(() => call.Held == HoldParty.Caller, TimeSpan.FromSeconds(5)), "not held");
            var again = CallCommand.Handle(host.Calls, lead, call.Id, "hold", NullLogger.Instance);
            Assert.Equal("cti.cannot_hold", again.Error?.Code);
            Assert.Contains("already on hold", again.Error!.Message, StringComparison.Ordinal);
            AssertHearsMusic(await HearAsync(probe, TimeSpan.FromSeconds(2)));

            Assert.True(CallCommand.Handle(host.Calls, lead, call.Id, "resume", NullLogger.Instance).IsSuccess);
            Assert.True(await Poller.HoldsWithinAsync(() => call.Held is null, TimeSpan.FromSeconds(5)), "not resumed");
            AssertHearsAgent(await HearAsync(probe, TimeSpan.FromSeconds(1.5)), "after resume");

            var (code, log) = await sipp; // saw a=sendonly, then a=sendrecv, then hung up
            Assert.True(code == 0, log);
            Assert.DoesNotContain(host.Sinks.Events, e => e.Type == "reinviteFailed"); // baresip took its inactive/sendrecv re-INVITEs
            Assert.True(await Poller.HoldsWithinAsync(() => host.Calls.ActiveCalls == 0 && host.Engine.Dialogs.Count == 0
                && host.Engine.Transactions.ClientCount == 0, TimeSpan.FromSeconds(10)),
                $"left behind: {host.Calls.ActiveCalls} calls, {host.Engine.Dialogs.Count} dialogs, {host.Engine.Transactions.ClientCount} client transactions");
        }
    }
}
