using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ticketing.Tests.Support;
using TechTalk.SpecFlow;

namespace Hotline.Specs.Ticketing;

/// <summary>Steps of the case life-cycle feature, against a real ticketing host (TestServer, SQLite).</summary>
[Binding]
public sealed class CaseLifecycleSteps : IAsyncDisposable
{
    private TicketingHost? _host;
    private string _caseNumber = "";
    private string _queryCode = "";

    private TicketingHost Host => _host ?? throw new InvalidOperationException("The host starts with the first step.");

    [BeforeScenario]
    public async Task StartAsync() => _host = await TicketingHost.StartAsync();

    [AfterScenario]
    public async Task StopAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }
    }

    [Given(@"市民通过网站投诉""(.*)""，联系电话""(.*)""")]
    public async Task CitizenComplainsOnTheWebsite(string description, string phone)
    {
        var response = await Host.Anonymous().PostAsJsonAsync("/api/v1/cases",
            new { type = "complaint", category = "030200", description, phone });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        _caseNumber = body.GetProperty("caseNumber").GetString()!;
        _queryCode = body.GetProperty("queryCode").GetString()!;
    }

    [Then(@"市民收到以""(.*)""开头的工单号和查询码")]
    public void CitizenGetsNumberAndCode(string prefix)
    {
        Assert.StartsWith(prefix, _caseNumber, StringComparison.Ordinal);
        Assert.Equal(8, _queryCode.Length);
    }

    [Then(@"工单状态为""(.*)""")]
    public async Task StatusIs(string statusText)
    {
        var view = await Host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{_caseNumber}");
        Assert.Equal(statusText, view.GetProperty("statusText").GetString());
    }

    [Then(@"办理时限为""(.*)""（北京时间）")]
    public async Task DeadlineIs(string local)
    {
        var view = await Host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{_caseNumber}");
        var deadline = view.GetProperty("deadline").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8));
        Assert.Equal(local, deadline.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    [When(@"话务员将工单派给""(.*)""")]
    public Task AgentDispatches(string unit) => ActAsync("agent1", "agent", "dispatch", new { unit });

    [When(@"承办单位签收工单")]
    public Task UnitReceives() => ActAsync("handler1", "handler", "receive", new { });

    [When(@"承办单位答复""(.*)""")]
    public Task UnitReplies(string text) => ActAsync("handler1", "handler", "reply", new { text });

    [When(@"审核员审核通过")]
    public Task ReviewerApproves() => ActAsync("reviewer1", "reviewer", "approveReply", new { });

    [When(@"话务员回访，市民表示""(.*)""")]
    public Task AgentVisits(string answer) => ActAsync("agent1", "agent", "returnVisit", new
    {
        satisfaction = answer switch
        {
            "满意" => "satisfied",
            "基本满意" => "basicallySatisfied",
            "不满意" => "dissatisfied",
            _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "满意、基本满意 or 不满意"),
        },
    });

    [When(@"话务员将工单归档")]
    public Task AgentArchives() => ActAsync("agent1", "agent", "archive", new { });

    [Then(@"市民凭工单号和查询码看到答复""(.*)""")]
    public async Task CitizenSeesReply(string reply) =>
        Assert.Equal(reply, (await PublicViewAsync()).GetProperty("reply").GetString());

    [Then(@"市民看到的处理记录依次为""(.*)""")]
    public async Task CitizenSeesTimeline(string steps)
    {
        var timeline = (await PublicViewAsync()).GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("statusText").GetString());
        Assert.Equal(steps.Split('、'), timeline);
    }

    [Then(@"市民看到的联系电话为""(.*)""")]
    public async Task CitizenSeesMaskedPhone(string masked) =>
        Assert.Equal(masked, (await PublicViewAsync()).GetProperty("maskedPhone").GetString());

    [Then(@"查询码错误时查询不到工单")]
    public async Task WrongCodeFindsNothing()
    {
        var response = await Host.Anonymous().GetAsync($"/api/v1/cases/{_caseNumber}?queryCode=WRONG234");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<JsonElement> PublicViewAsync() =>
        await Host.Anonymous().GetFromJsonAsync<JsonElement>($"/api/v1/cases/{_caseNumber}?queryCode={_queryCode}");

    private async Task ActAsync(string user, string role, string action, object body)
    {
        var response = await Host.As(user, role).PostAsJsonAsync($"/api/v1/cases/{_caseNumber}/actions/{action}", body);
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
