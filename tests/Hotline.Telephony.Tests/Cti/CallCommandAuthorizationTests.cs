using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.SharedKernel;

namespace Hotline.Telephony.Tests.Cti;

/// <summary>
/// Who may answer or hang up a call through CTI (<c>POST /api/v1/cti/calls/{callId}/{action}</c>): the agent at whose
/// extension the call rings or talks; a team lead or an administrator (person or client) on any call; nobody else —
/// with real calls ringing real (test) phones through the B2BUA.
/// </summary>
public sealed class CallCommandAuthorizationTests(CtiHost host) : IClassFixture<CtiHost>
{
    private const string CallerNumber = "13912345678";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_agent_hangs_up_a_call_ringing_at_their_extension_and_nobody_else_without_rights_may()
    {
        await using var caller = new TestPhone(host.Sip, CallerNumber);
        var leg = await RingAgent1Async(caller);
        var url = $"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup";

        using var otherAgent = host.Client(HotlineRoles.Agent, CtiHost.Agent2, "agent2");
        var refused = await otherAgent.PostAsync(url, null);
        await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "cti.not_your_call");

        using var handler = host.Client(HotlineRoles.Handler, name: "handler1");
        await AssertProblemAsync(await handler.PostAsync(url, null), HttpStatusCode.Forbidden, "cti.not_call_staff");

        // A handler holding an extension claim is still not an agent; an inspector is not either.
        using var handlerWithPhone = host.Client(HotlineRoles.Handler, CtiHost.Agent1, "handler2");
        await AssertProblemAsync(await handlerWithPhone.PostAsync(url, null), HttpStatusCode.Forbidden, "cti.not_call_staff");
        using var inspector = host.Client(HotlineRoles.QualityInspector, name: "inspector1");
        await AssertProblemAsync(await inspector.PostAsync(url, null), HttpStatusCode.Forbidden, "cti.not_call_staff");
        Assert.Equal("ringing", host.StateOf(caller.CallId)); // nothing happened to the call
        Assert.False(host.Phone1.Saw("CANCEL", leg));

        using var agent = host.Client(HotlineRoles.Agent, CtiHost.Agent1, "agent1");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsync(url, null)).StatusCode);
        await Poller.UntilAsync(() => host.Phone1.Saw("CANCEL", leg), Wait, "the CANCEL at the agent's phone");
        await Poller.UntilAsync(() => host.StateOf(caller.CallId) is null, Wait, "the call to end");

        // Audit: who did what to which call, the caller masked; the refusals too.
        var audit = host.Audit.Where(l => l.Contains(caller.CallId, StringComparison.Ordinal)).ToList();
        Assert.Contains(audit, l => l.StartsWith("5080 ", StringComparison.Ordinal) && l.Contains("agent1", StringComparison.Ordinal)
            && l.Contains("hangup", StringComparison.Ordinal) && l.Contains("139****5678", StringComparison.Ordinal)
            && l.Contains("ringing", StringComparison.Ordinal));
        Assert.Contains(audit, l => l.StartsWith("5081 ", StringComparison.Ordinal) && l.Contains("agent2", StringComparison.Ordinal));
        Assert.Contains(audit, l => l.StartsWith("5081 ", StringComparison.Ordinal) && l.Contains("handler1", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, l => l.Contains(CallerNumber, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_team_lead_and_an_admin_client_may_hang_up_any_call()
    {
        await using var first = new TestPhone(host.Sip, CallerNumber);
        await RingAgent1Async(first);
        using var lead = host.Client(HotlineRoles.TeamLead, name: "lead1");
        Assert.Equal(HttpStatusCode.Accepted, (await lead.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(first.CallId)}/hangup", null)).StatusCode);
        await Poller.UntilAsync(() => host.StateOf(first.CallId) is null, Wait, "the team lead's hang-up");

        await using var second = new TestPhone(host.Sip, "13800138000");
        await RingAgent1Async(second);
        using var client = host.Client(HotlineRoles.Administrator, name: "ops-console"); // client credentials: a role, no extension
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(second.CallId)}/hangup", null)).StatusCode);
        await Poller.UntilAsync(() => host.StateOf(second.CallId) is null, Wait, "the admin client's hang-up");
        Assert.Contains(host.Audit, l => l.StartsWith("5080 ", StringComparison.Ordinal) && l.Contains("ops-console", StringComparison.Ordinal)
            && l.Contains(second.CallId, StringComparison.Ordinal) && l.Contains("138****8000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_agent_answers_their_ringing_call_then_only_they_may_hang_it_up_while_talking()
    {
        await using var caller = new TestPhone(host.Sip, CallerNumber);
        var leg = await RingAgent1Async(caller);
        var call = Uri.EscapeDataString(caller.CallId);
        using var agent = host.Client(HotlineRoles.Agent, CtiHost.Agent1, "agent1");
        using var otherAgent = host.Client(HotlineRoles.Agent, CtiHost.Agent2, "agent2");
        using var handler = host.Client(HotlineRoles.Handler, name: "handler1");

        await AssertProblemAsync(await otherAgent.PostAsync($"/api/v1/cti/calls/{call}/answer", null), HttpStatusCode.Forbidden, "cti.not_your_call");
        await AssertProblemAsync(await handler.PostAsync($"/api/v1/cti/calls/{call}/answer", null), HttpStatusCode.Forbidden, "cti.not_call_staff");
        var early = await agent.PostAsync($"/api/v1/cti/calls/{call}/hold", null); // only a call in talk can be held
        await AssertProblemAsync(early, HttpStatusCode.Conflict, "cti.cannot_hold");
        Assert.Contains("ringing", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsync($"/api/v1/cti/calls/{call}/answer", null)).StatusCode);
        await Poller.UntilAsync(() => host.StateOf(caller.CallId) == "talking", Wait, "the phone to go off hook");
        await AssertProblemAsync(await agent.PostAsync($"/api/v1/cti/calls/{call}/resume", null), HttpStatusCode.Conflict, "cti.cannot_resume");
        Assert.Equal(CtiHost.Agent1, host.Calls.Snapshot().Single(c => c.CallId == caller.CallId).Agent);

        // Talking: answering again is a conflict; another agent still may not hang up; the call's agent may.
        await AssertProblemAsync(await agent.PostAsync($"/api/v1/cti/calls/{call}/answer", null), HttpStatusCode.Conflict, "cti.not_ringing");
        await AssertProblemAsync(await otherAgent.PostAsync($"/api/v1/cti/calls/{call}/hangup", null), HttpStatusCode.Forbidden, "cti.not_your_call");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsync($"/api/v1/cti/calls/{call}/hangup", null)).StatusCode);
        await Poller.UntilAsync(() => host.Phone1.Saw("BYE", leg), Wait, "the BYE at the agent's phone");
        await Poller.UntilAsync(() => caller.Saw("BYE", caller.CallId), Wait, "the BYE at the caller");
        Assert.Contains(host.Audit, l => l.StartsWith("5080 ", StringComparison.Ordinal) && l.Contains("answer", StringComparison.Ordinal)
            && l.Contains(caller.CallId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_calls_are_404_and_unknown_actions_400_for_those_who_may_act_and_403_for_those_who_may_not()
    {
        using var agent = host.Client(HotlineRoles.Agent, CtiHost.Agent1);
        await AssertProblemAsync(await agent.PostAsync("/api/v1/cti/calls/nope%40host/hangup", null), HttpStatusCode.NotFound, "cti.call_not_found");
        await AssertProblemAsync(await agent.PostAsync("/api/v1/cti/calls/nope%40host/answer", null), HttpStatusCode.NotFound, "cti.call_not_found");
        var bad = await agent.PostAsync("/api/v1/cti/calls/nope%40host/dance", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("action", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Someone who may act on no call learns nothing about which calls exist.
        using var handler = host.Client(HotlineRoles.Handler);
        await AssertProblemAsync(await handler.PostAsync("/api/v1/cti/calls/nope%40host/hangup", null), HttpStatusCode.Forbidden, "cti.not_call_staff");

        // An agent without an extension may act on no call.
        using var agentWithoutPhone = host.Client(HotlineRoles.Agent);
        await AssertProblemAsync(await agentWithoutPhone.PostAsync("/api/v1/cti/calls/nope%40host/hangup", null), HttpStatusCode.Forbidden,
            "cti.not_call_staff");
    }

    [Fact]
    public async Task Once_the_call_leaves_the_extension_it_is_no_longer_the_agents_and_a_finished_call_is_404()
    {
        // A team lead ends the call ringing at 8001: the engine cancels the leg, and the finished call is 404 for its agent too.
        await using var caller = new TestPhone(host.Sip, CallerNumber);
        await RingAgent1Async(caller);
        Assert.True(host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent1));
        Assert.False(host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent2));
        using var lead = host.Client(HotlineRoles.TeamLead);
        Assert.Equal(HttpStatusCode.Accepted, (await lead.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup", null)).StatusCode);
        await Poller.UntilAsync(() => !host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent1), Wait, "the call to leave the extension");
        using var agent = host.Client(HotlineRoles.Agent, CtiHost.Agent1);
        await Poller.UntilAsync(() => host.StateOf(caller.CallId) is null, Wait, "the call to end");
        await AssertProblemAsync(await agent.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup", null),
            HttpStatusCode.NotFound, "cti.call_not_found");
    }

    [Fact]
    public async Task A_call_refused_at_one_phone_and_ringing_at_another_belongs_to_the_other_agent_only()
    {
        using var lead = host.Client(HotlineRoles.TeamLead, name: "lead1");
        using var agent1 = host.Client(HotlineRoles.Agent, CtiHost.Agent1, "agent1");
        using var agent2 = host.Client(HotlineRoles.Agent, CtiHost.Agent2, "agent2");
        Assert.Equal(HttpStatusCode.NoContent, (await lead.PutAsJsonAsync($"/api/v1/cti/agents/{CtiHost.Agent2}/state", new { state = "notReady" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await lead.PutAsJsonAsync($"/api/v1/cti/agents/{CtiHost.Agent1}/state", new { state = "ready" })).StatusCode);
        host.Phone1.RejectWith = 486;
        try
        {
            // A citizen calls 12328 and presses 2: the ACD offers the call to 8001 (the only agent ready), whose phone
            // refuses it (busy); the call goes back to the queue and 8001 to not ready.
            await using var caller = new TestPhone(host.Sip, CallerNumber);
            Assert.Equal(183, await caller.CallAsync("12328"));
            await caller.PressAsync('2');
            await Poller.UntilAsync(() => host.Calls.Acd.StateOf(CtiHost.Agent1) == AgentState.NotReady && host.StateOf(caller.CallId) == "queued",
                Wait, "8001 to refuse the call");
            Assert.False(host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent1));

            // 8002 gets ready and the call rings there: it is 8002's call, no longer 8001's.
            Assert.Equal(HttpStatusCode.NoContent, (await lead.PutAsJsonAsync($"/api/v1/cti/agents/{CtiHost.Agent2}/state", new { state = "ready" })).StatusCode);
            await Poller.UntilAsync(() => host.StateOf(caller.CallId) == "ringing" && host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent2),
                Wait, "the call ringing at 8002");
            Assert.False(host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent1));
            var url = $"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup";
            await AssertProblemAsync(await agent1.PostAsync(url, null), HttpStatusCode.Forbidden, "cti.not_your_call");
            Assert.Equal(HttpStatusCode.Accepted, (await agent2.PostAsync(url, null)).StatusCode);
            await Poller.UntilAsync(() => host.StateOf(caller.CallId) is null, Wait, "the call to end");
        }
        finally
        {
            host.Phone1.RejectWith = null;
            await lead.PutAsJsonAsync($"/api/v1/cti/agents/{CtiHost.Agent1}/state", new { state = "ready" });
        }
    }

    /// <summary>
    /// Dials extension 8001 directly, waits until CTI lists the call as ringing there, and returns the Call-ID of the
    /// B2BUA's leg to the phone.
    /// </summary>
    private async Task<string> RingAgent1Async(TestPhone caller)
    {
        var before = host.Phone1.Offered.ToHashSet(StringComparer.Ordinal);
        var status = await caller.CallAsync(CtiHost.Agent1);
        Assert.True(status is 180 or 183, $"the call to {CtiHost.Agent1} was answered {status}");
        await Poller.UntilAsync(() => host.StateOf(caller.CallId) == "ringing" && host.Calls.IsAtExtension(caller.CallId, CtiHost.Agent1),
            Wait, "the call ringing at 8001");
        return Assert.Single(host.Phone1.Offered, leg => !before.Contains(leg));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }
}
