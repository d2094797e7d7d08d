using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>The whole life cycle through the API, with the feed, audit trail, masking, 企业直通车 and reminders.</summary>
public sealed class LifecycleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    internal static async Task<string> CreateAsync(HttpClient client, string description = "网约车司机绕路多收费，车牌粤B6D789，从宝安机场到福田。",
        string phone = "13912345678", string type = "complaint", string? category = "030300", string? enterprise = null)
    {
        var response = await client.PostJson("/api/v1/cases", new { type, category, description, phone, name = "李四", enterprise });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Json()).GetProperty("caseNumber").GetString()!;
    }

    internal static async Task<JsonElement> ActAsync(HttpClient client, string number, string action, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await client.PostJson($"/api/v1/cases/{number}/actions/{action}", body ?? new { });
        var json = await response.Json();
        Assert.True(expect == response.StatusCode, $"{action}: {(int)response.StatusCode} {json}");
        return json;
    }

    [Fact]
    public async Task A_complaint_walks_from_web_acceptance_to_archive_with_feed_and_audit_in_order()
    {
        var number = await CreateAsync(_host.Anonymous());
        var agent = _host.As("agent1", "agent");
        var handler = _host.As("handler1", "handler", unit: "市网约车监管科");
        // Routing rules (data) suggest the unit for category 030300 (网约车).
        Assert.Equal("市网约车监管科", (await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}")).GetProperty("suggestedUnit").GetString());
        var reviewer = _host.As("reviewer1", "reviewer");

        Assert.Equal("dispatched", (await ActAsync(agent, number, "dispatch", new { unit = "市网约车监管科" })).GetProperty("status").GetString());
        Assert.Equal("handling", (await ActAsync(handler, number, "receive")).GetProperty("status").GetString());
        Assert.Equal("replied", (await ActAsync(handler, number, "reply", new { text = "已约谈平台，退还多收费用 35 元。" })).GetProperty("status").GetString());
        Assert.Equal("handling", (await ActAsync(reviewer, number, "rejectReply", new { reason = "未说明对司机的处理" })).GetProperty("status").GetString());
        await ActAsync(handler, number, "reply", new { text = "已约谈平台，退还多收费用 35 元，司机停运学习 3 天。" });
        Assert.Equal("closed", (await ActAsync(reviewer, number, "approveReply")).GetProperty("status").GetString());
        Assert.Equal("visited", (await ActAsync(agent, number, "returnVisit", new { satisfaction = "satisfied" })).GetProperty("status").GetString());
        var archived = await ActAsync(agent, number, "archive");
        Assert.Equal("archived", archived.GetProperty("status").GetString());
        Assert.Empty(archived.GetProperty("allowedActions").EnumerateArray());

        // Refused transition: 409 ProblemDetails, state untouched.
        var refused = await agent.PostJson($"/api/v1/cases/{number}/actions/dispatch", new { unit = "x" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("transition.refused", (await refused.Json()).GetProperty("code").GetString());

        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 100, CancellationToken.None);
        var types = feed.Where(f => f.CaseNumber == number).Select(f => f.EventType).ToList();
        Assert.Equal(["created", "statusChanged", "statusChanged", "statusChanged", "statusChanged", "statusChanged", "statusChanged",
            "citizenNotified", "statusChanged", "statusChanged"], types);
        Assert.True(feed.Zip(feed.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Equal("archived", feed[^1].Summary.Status);
        Assert.Equal("139****5678", feed[^1].Summary.MaskedPhone);
        Assert.Equal(3, (await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(feed[^4].Position, 100, CancellationToken.None)).Count);

        var audit = await _host.As("admin1", "admin").GetAsync($"/api/v1/cases/{number}/audit");
        var actions = (await audit.Json()).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        foreach (var a in new[] { "case.accepted", "case.dispatch", "case.receive", "case.reply", "case.rejectReply", "case.approveReply", "case.returnVisit", "case.archive" })
        {
            Assert.Contains(a, actions);
        }

        Assert.Contains("pii.read", actions);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/api/v1/cases/{number}/audit")).StatusCode);

        var citizen = await _host.Anonymous().GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}?queryCode={await QueryCodeAsync(number)}");
        Assert.Equal("已约谈平台，退还多收费用 35 元，司机停运学习 3 天。", citizen.GetProperty("reply").GetString());
        var timeline = citizen.GetProperty("timeline").EnumerateArray().ToList();
        Assert.DoesNotContain(timeline, t => t.GetProperty("kind").GetString() == "rejectReply"); // internal review stays internal
        Assert.All(timeline, t => Assert.Equal(JsonValueKind.Null, t.GetProperty("actor").ValueKind));
        output.WriteLine(string.Join(" → ", timeline.Select(t => t.GetProperty("statusText").GetString())));
    }

    [Fact]
    public async Task Every_state_change_and_every_unmasked_read_is_audited_with_who_and_where()
    {
        var number = await CreateAsync(_host.Anonymous());
        var agent = _host.As("agent7", "agent");
        await agent.GetAsync($"/api/v1/cases/{number}");
        await agent.GetAsync($"/api/v1/cases/{number}");
        await _host.As("analyst1", "analyst").GetAsync($"/api/v1/cases/{number}"); // masked: no PII audit
        await ActAsync(agent, number, "dispatch", new { unit = "市网约车监管科" });

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var rows = await db.Audit.Where(a => a.CaseNumber == number).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(3, rows.Count(r => r.Action == "pii.read")); // two reads + the case returned by the dispatch
        Assert.All(rows.Where(r => r.Action == "pii.read"), r => Assert.Equal("agent7", r.Actor));
        var dispatch = Assert.Single(rows, r => r.Action == "case.dispatch");
        Assert.Equal("agent7", dispatch.Actor);
        Assert.Equal("agent", dispatch.Roles);
        Assert.Equal("Accepted→Dispatched", dispatch.Detail);
        Assert.Equal(_host.Clock.GetUtcNow(), dispatch.At);
        Assert.DoesNotContain(rows, r => r.Actor == "analyst1");
    }

    [Theory]
    [InlineData("agent", "13912345678", "李四")]
    [InlineData("teamlead", "13912345678", "李四")]
    [InlineData("reviewer", "13912345678", "李四")]
    [InlineData("handler", "139****5678", "李*")]
    [InlineData("analyst", "139****5678", "李*")]
    [InlineData("officer", "139****5678", "李*")]
    public async Task Personal_data_is_masked_by_role(string role, string phone, string name)
    {
        var number = await CreateAsync(_host.Anonymous());
        var view = await _host.As("u1", role).GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal(phone, view.GetProperty("phone").GetString());
        Assert.Equal(name, view.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Enterprise_accounts_see_only_their_cases_and_not_who_complained_unless_allowed()
    {
        var mine = await CreateAsync(_host.Anonymous(), "鹏程出租车司机拒载，车牌粤B12345。", category: "030200");
        var allowed = await CreateAsync(_host.Anonymous(), "鹏程出租车司机服务态度差，车牌粤B55555。", phone: "13700001111", category: "030200");
        var other = await CreateAsync(_host.Anonymous(), "大众出租车司机吸烟，车牌粤B77777。", category: "030200");
        var agent = _host.As("agent1", "agent");
        await ActAsync(agent, mine, "dispatch", new { unit = "鹏程出租", unitIsEnterprise = true });
        await ActAsync(agent, allowed, "dispatch", new { unit = "鹏程出租", unitIsEnterprise = true, discloseToEnterprise = true });
        await ActAsync(agent, other, "dispatch", new { unit = "大众出租", unitIsEnterprise = true });

        var enterprise = _host.As("pc-service", "enterprise", enterprise: "鹏程出租");
        var list = await enterprise.GetFromJsonAsync<JsonElement>("/api/v1/enterprise/cases");
        var numbers = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("caseNumber").GetString()).Order().ToArray();
        Assert.Equal(new[] { mine, allowed }.Order().ToArray(), numbers);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("phone").GetString() == "（保密）");

        var hidden = await enterprise.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{mine}");
        Assert.Equal("（保密）", hidden.GetProperty("phone").GetString());
        Assert.Equal("hidden", hidden.GetProperty("personalData").GetString());
        var shown = await enterprise.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{allowed}");
        Assert.Equal("13700001111", shown.GetProperty("phone").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await enterprise.GetAsync($"/api/v1/cases/{other}")).StatusCode);
        await ActAsync(enterprise, other, "receive", expect: HttpStatusCode.NotFound);

        // The enterprise signs for and replies within its deadline.
        await ActAsync(enterprise, mine, "receive");
        var replied = await ActAsync(enterprise, mine, "reply", new { text = "已对司机进行教育并罚款。" });
        Assert.Equal("replied", replied.GetProperty("status").GetString());
        Assert.Equal("onTime", replied.GetProperty("deadlineState").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await enterprise.PostJson($"/api/v1/cases/{mine}/actions/approveReply", new { })).StatusCode);
    }

    [Fact]
    public async Task Transfer_out_raises_a_feed_event_with_the_target_node_and_feedback_is_idempotent()
    {
        var number = await CreateAsync(_host.Anonymous(), "广州的出租车在深圳拒载，车牌粤A12345。");
        var transferred = await ActAsync(_host.As("agent1", "agent"), number, "transferOut", new { targetNode = "440100", reason = "属广州市管辖" });
        Assert.Equal("transferredOut", transferred.GetProperty("status").GetString());
        Assert.Equal("440100", transferred.GetProperty("transferTarget").GetString());

        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 100, CancellationToken.None);
        var entry = Assert.Single(feed, f => f.EventType == "transferredOut");
        Assert.Equal(new TransferTarget("440100", "属广州市管辖"), entry.Transfer);
        Assert.Equal("属广州市管辖", entry.Comment);

        var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
        var feedback = new ExternalFeedback("fb-1", number, "440100", "resolved", "已处理并答复市民。", _host.Clock.GetUtcNow());
        Assert.True((await intake.RecordExternalFeedbackAsync(feedback, CancellationToken.None)).IsSuccess);
        Assert.True((await intake.RecordExternalFeedbackAsync(feedback, CancellationToken.None)).IsSuccess);
        var view = await _host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal(CaseStatusNames.Closed, view.GetProperty("status").GetString());
        Assert.Single(view.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "feedback.resolved");
        var unknown = await intake.RecordExternalFeedbackAsync(feedback with { FeedbackId = "fb-2", CaseNumber = "440300-20200101-000001" }, CancellationToken.None);
        Assert.Equal(Hotline.SharedKernel.ErrorKind.NotFound, unknown.Error!.Kind);
    }

    [Fact]
    public async Task Intake_from_another_node_is_idempotent_by_source_and_keeps_the_assigned_deadline()
    {
        await using var scope = _host.Scope();
        var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
        var deadline = _host.Clock.GetUtcNow().AddDays(5);
        var command = new AcceptCase(CaseChannel.Assignment, CaseType.Complaint, "省厅交办：某客运站超员售票问题。",
            Deadline: deadline, Source: new ExternalReference("440000", "440000-20261125-000007", "corr-1"));

        var first = await intake.AcceptAsync(command, CancellationToken.None);
        var again = await intake.AcceptAsync(command, CancellationToken.None);
        Assert.False(first.Value.AlreadyExisted);
        Assert.True(again.Value.AlreadyExisted);
        Assert.Equal(first.Value.CaseNumber, again.Value.CaseNumber);
        Assert.Equal(first.Value.QueryCode, again.Value.QueryCode);

        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 10, CancellationToken.None);
        var created = Assert.Single(feed);
        Assert.Equal(new ExternalReference("440000", "440000-20261125-000007", "corr-1"), created.Source);
        Assert.Equal(deadline.ToUnixTimeMilliseconds(), created.Summary.Deadline!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(CaseChannel.Assignment, created.Summary.Channel);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_the_same_transfer_create_one_case()
    {
        var command = new AcceptCase(CaseChannel.Transfer, CaseType.Complaint, "转办：跨市网约车投诉。",
            Source: new ExternalReference("440100", "440100-20261125-000042", "corr-9"));
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            await using var scope = _host.Scope();
            return await scope.ServiceProvider.GetRequiredService<ICaseIntake>().AcceptAsync(command, CancellationToken.None);
        }));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Single(results.Select(r => r.Value.CaseNumber).Distinct());
        Assert.Single(results, r => !r.Value.AlreadyExisted);
    }

    [Fact]
    public async Task Major_complaints_are_flagged_by_rule_and_by_hand_and_raise_a_feed_event()
    {
        var byRule = await CreateAsync(_host.Anonymous(), "大巴车在高速上翻车，多人受伤，司机疲劳驾驶。", category: "010100");
        var byHand = await CreateAsync(_host.Anonymous(), "地铁站扶梯突然停止运行，很多人差点摔倒。", category: "030400");
        var inquiry = await CreateAsync(_host.Anonymous(), "请问受伤的乘客如何申请保险理赔？", type: "inquiry", category: null);
        var lead = _host.As("lead1", "teamlead");
        var flagged = await lead.PostJson($"/api/v1/cases/{byHand}/major", new { reason = "公共安全隐患" });
        Assert.Equal(HttpStatusCode.OK, flagged.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await lead.PostJson($"/api/v1/cases/{byHand}/major", new { reason = "again" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.As("h", "handler").PostJson($"/api/v1/cases/{inquiry}/major", new { reason = "x" })).StatusCode);

        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 100, CancellationToken.None);
        var major = feed.Where(f => f.EventType == "majorFlagged").ToList();
        Assert.Equal(new[] { byRule, byHand }, major.Select(m => m.CaseNumber).ToArray());
        Assert.All(major, m => Assert.True(m.Summary.Major));
        Assert.Contains("受伤", major[0].Comment, StringComparison.Ordinal);
        Assert.DoesNotContain(feed, f => f.CaseNumber == inquiry && f.EventType == "majorFlagged");
    }

    [Fact]
    public async Task Deadline_monitor_urges_once_overdue_and_supervises_five_working_days_later_with_visible_history()
    {
        var number = await CreateAsync(_host.Anonymous(), "网约车平台未退还预付款。", category: "030300");
        await ActAsync(_host.As("agent1", "agent"), number, "dispatch", new { unit = "市网约车监管科" });
        var monitor = _host.Services.GetRequiredService<DeadlineMonitor>();
        var view = await _host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        var deadline = view.GetProperty("deadline").GetDateTimeOffset();
        // 030300 complaint: 5 working days from Wed 2026-11-25 → Wed 12/2.
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 23, 59, 59, TimeSpan.FromHours(8)), deadline);

        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        _host.Clock.SetUtcNow(deadline.AddHours(1));
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None));
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        _host.Clock.SetUtcNow(deadline.AddDays(6)); // Tue 12/8: 4 working days after
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        _host.Clock.SetUtcNow(deadline.AddDays(7)); // Wed 12/9: 5 working days after
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None));

        view = await _host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal("overdue", view.GetProperty("deadlineState").GetString());
        Assert.Equal(1, view.GetProperty("urgeCount").GetInt32());
        Assert.Equal(1, view.GetProperty("superviseCount").GetInt32());
        var kinds = view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["accepted", "dispatch", "urged", "supervised"], kinds);

        var manual = await _host.As("lead1", "teamlead").PostJson($"/api/v1/cases/{number}/urge", new { text = "请今日内答复" });
        Assert.Equal(2, (await manual.Json()).GetProperty("urgeCount").GetInt32());
        var overdue = await _host.As("lead1", "teamlead").GetFromJsonAsync<JsonElement>("/api/v1/cases?overdue=true");
        Assert.Equal(number, overdue.GetProperty("items")[0].GetProperty("caseNumber").GetString());
    }

    [Fact]
    public async Task Staff_accept_a_phone_inquiry_and_answer_it_at_once()
    {
        var agent = _host.As("agent1", "agent");
        var response = await agent.PostJson("/api/v1/staff/cases", new
        {
            channel = "phone", type = "inquiry", description = "咨询深圳北站到机场的大巴时刻表。", phone = "075588886666", recordingId = "rec-001",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var number = (await response.Json()).GetProperty("caseNumber").GetString()!;
        var closed = await ActAsync(agent, number, "answerImmediately", new { text = "机场大巴 330 路，每 20 分钟一班。" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal("phone", closed.GetProperty("channel").GetString());
        Assert.Equal("rec-001", closed.GetProperty("recordingId").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.As("h1", "handler").PostJson("/api/v1/staff/cases", new { type = "inquiry" })).StatusCode);
    }

    private async Task<string> QueryCodeAsync(string number)
    {
        await using var scope = _host.Scope();
        return (await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Cases.SingleAsync(c => c.CaseNumber == number)).QueryCode;
    }
}
