using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Telephony.Tests.Cti;

/// <summary>The CTI REST API and hub on a real Kestrel host with the module as a city node composes it.</summary>
public sealed class CtiApiTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private string _base = null!;
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-cti-").FullName;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sip:Udp"] = "127.0.0.1:0",
            ["Sip:Tcp"] = "127.0.0.1:0",
            ["Sip:DataDirectory"] = _data,
            ["Sip:Extensions:0:Extension"] = "8001",
            ["Sip:Extensions:0:Password"] = "pw1",
            ["Sip:Extensions:1:Extension"] = "8002",
            ["Sip:Extensions:1:Password"] = "pw2",
        });
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuth>("Test", _ => { });
        builder.Services.AddAuthorizationBuilder().AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.AddTelephonyModule();
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapTelephonyEndpoints();
        await _app.StartAsync();
        _base = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private HttpClient Client(string? roles, string? extension = null)
    {
        var c = new HttpClient { BaseAddress = new Uri(_base) };
        if (roles is not null)
        {
            c.DefaultRequestHeaders.Add("X-Test-Roles", roles);
        }

        if (extension is not null)
        {
            c.DefaultRequestHeaders.Add("X-Test-Extension", extension);
        }

        return c;
    }

    [Fact]
    public async Task Anonymous_is_refused_everywhere()
    {
        using var c = Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/v1/cti/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/v1/cti/agents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PutAsJsonAsync("/api/v1/cti/agents/8001/state", new { state = "ready" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PostAsync("/hubs/cti/negotiate?negotiateVersion=1", null)).StatusCode);
    }

    [Fact]
    public async Task Queues_list_every_queue_with_the_contract_fields()
    {
        using var c = Client(HotlineRoles.Agent);
        using var doc = JsonDocument.Parse(await c.GetStringAsync("/api/v1/cti/queues"));
        var queues = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["complaint", "inquiry", "suggestion", "progress", "general"], queues.Select(q => q.GetProperty("name").GetString()));
        foreach (var field in new[] { "waiting", "longestWaitSeconds", "answered", "answeredWithin15s", "abandoned" })
        {
            Assert.Equal(0, queues[0].GetProperty(field).GetInt32());
        }
    }

    [Fact]
    public async Task Agent_changes_own_state_others_need_team_lead_and_bad_input_is_problem_details()
    {
        using var agent = Client(HotlineRoles.Agent, "8001");
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PutAsJsonAsync("/api/v1/cti/agents/8001/state", new { state = "ready" })).StatusCode);
        using (var doc = JsonDocument.Parse(await agent.GetStringAsync("/api/v1/cti/agents")))
        {
            var a = doc.RootElement.EnumerateArray().Single(x => x.GetProperty("extension").GetString() == "8001");
            Assert.Equal("ready", a.GetProperty("state").GetString());
            Assert.False(a.GetProperty("registered").GetBoolean());
        }

        var forbidden = await agent.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "ready" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);

        using var lead = Client(HotlineRoles.TeamLead);
        Assert.Equal(HttpStatusCode.NoContent, (await lead.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "notReady", reason = "meeting" })).StatusCode);
        var bad = await lead.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "asleep" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("state", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await lead.PutAsJsonAsync("/api/v1/cti/agents/9999/state", new { state = "ready" })).StatusCode);
        using var doc2 = JsonDocument.Parse(await lead.GetStringAsync("/api/v1/cti/agents"));
        var b = doc2.RootElement.EnumerateArray().Single(x => x.GetProperty("extension").GetString() == "8002");
        Assert.Equal(("notReady", "meeting"), (b.GetProperty("state").GetString(), b.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Call_commands_validate_the_action_and_the_call()
    {
        using var lead = Client(HotlineRoles.TeamLead);
        Assert.Equal("[]", await lead.GetStringAsync("/api/v1/cti/calls"));
        Assert.Equal(HttpStatusCode.NotFound, (await lead.PostAsync("/api/v1/cti/calls/nope%40host/hangup", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lead.PostAsync("/api/v1/cti/calls/nope%40host/hold", null)).StatusCode);
        var bad = await lead.PostAsync("/api/v1/cti/calls/nope%40host/dance", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("action", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var anonymous = Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/cti/calls/x/hangup", null)).StatusCode);
    }

    [Fact]
    public async Task Answer_is_a_call_command_refused_when_nothing_rings()
    {
        using var agent = Client(HotlineRoles.Agent, "8001");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync("/api/v1/cti/calls/nope%40host/answer", null)).StatusCode);
        var calls = _app.Services.GetRequiredService<Hotline.Telephony.CallControl.CallCenter>();
        Assert.False(calls.Answer("nope@host"));
    }

    [Fact]
    public async Task Call_backs_are_listed_masked_by_role_and_marked_done()
    {
        var calls = _app.Services.GetRequiredService<Hotline.Telephony.CallControl.CallCenter>();
        var r = calls.Callbacks.Add("c-1@host", "13800138000", "complaint", "abandoned", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(33));
        using var agent = Client(HotlineRoles.Agent, "8001");
        using var inspector = Client(HotlineRoles.QualityInspector);
        var list = JsonDocument.Parse(await agent.GetStringAsync("/api/v1/cti/callbacks")).RootElement;
        var item = list.EnumerateArray().Single(e => e.GetProperty("id").GetString() == r.Id);
        Assert.Equal("13800138000", item.GetProperty("caller").GetString()); // the agent needs the number to call back
        Assert.Equal(("abandoned", "open", 33), (item.GetProperty("reason").GetString(), item.GetProperty("state").GetString(),
            item.GetProperty("waitedSeconds").GetInt32()));
        var masked = JsonDocument.Parse(await inspector.GetStringAsync("/api/v1/cti/callbacks")).RootElement;
        Assert.DoesNotContain("13800138000", masked.GetRawText(), StringComparison.Ordinal);

        var done = await agent.PostAsync($"/api/v1/cti/callbacks/{r.Id}/done", null);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.DoesNotContain(r.Id, await agent.GetStringAsync("/api/v1/cti/callbacks"), StringComparison.Ordinal);
        Assert.Contains(r.Id, await agent.GetStringAsync("/api/v1/cti/callbacks?all=true"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync("/api/v1/cti/callbacks/nope/done", null)).StatusCode);
        using var anonymous = Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/cti/callbacks")).StatusCode);
    }

    [Fact]
    public async Task Hub_streams_agent_state_events()
    {
        await using var hub = new HubConnectionBuilder()
            .WithUrl(_base + "/hubs/cti", o => o.Headers.Add("X-Test-Roles", HotlineRoles.TeamLead))
            .Build();
        var received = new TaskCompletionSource<CallEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<CallEvent>("callEvent", e =>
        {
            if (e.Type == "agentState" && e.Agent == "8002" && e.State == "Ready")
            {
                received.TrySetResult(e);
            }
        });
        await hub.StartAsync();
        using var lead = Client(HotlineRoles.TeamLead);

        // The server joins the connection to its CTI group in OnConnectedAsync, which may still be running when the
        // client's StartAsync returns: an event published in between is not for this connection. So change the state
        // again until one arrives (poll with a deadline), instead of relying on the first one.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!received.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await lead.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "notReady" });
            await lead.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "ready" });
            await Task.WhenAny(received.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        }

        var e = await received.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("Ready", e.State);
    }

    [Fact]
    public void Options_are_validated_with_named_fields()
    {
        var bad = new SipOptions { Udp = "nonsense", BusinessHoursStart = "25:99", Extensions = [new SipExtension { Extension = "8001" }] };
        var errors = bad.Validate();
        Assert.Contains(errors, e => e.Contains("Sip:Udp", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BusinessHours", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("8001", StringComparison.Ordinal));
        Assert.Equal(_data, _app.Services.GetRequiredService<IOptions<SipOptions>>().Value.DataDirectory);
    }
}
