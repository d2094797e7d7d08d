using System.Text.RegularExpressions;

namespace Hotline.Ticketing.Tests;

/// <summary>The staff pages (zh-CN): queue, detail with action forms (antiforgery), overdue board, enterprise portal.</summary>
public sealed partial class PagesTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Queue_lists_new_cases_for_agents_and_detail_offers_the_forms_of_the_state()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous());
        var agent = _host.As("agent1", "agent");
        var queue = await agent.GetStringAsync("/staff/cases");
        Assert.Contains(number, queue, StringComparison.Ordinal);
        Assert.Contains("我的待办", queue, StringComparison.Ordinal);
        Assert.Contains("<li><a href=\"/staff/cases\">工单</a></li>", queue, StringComparison.Ordinal); // the module's nav link
        Assert.Contains("139****5678", queue, StringComparison.Ordinal);

        var detail = await agent.GetStringAsync($"/staff/cases/{number}");
        Assert.Contains("data-action=\"dispatch\"", detail, StringComparison.Ordinal);
        Assert.Contains("data-action=\"transferOut\"", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("data-action=\"reply\"", detail, StringComparison.Ordinal);
        Assert.Contains("13912345678", detail, StringComparison.Ordinal); // agents see the caller (audited)
        Assert.Contains("已受理", detail, StringComparison.Ordinal);

        var handlerView = await _host.As("h1", "handler").GetStringAsync($"/staff/cases/{number}");
        Assert.DoesNotContain("13912345678", handlerView, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Action_forms_post_with_antiforgery_and_refuse_without_it()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous());
        var agent = _host.As("agent1", "agent");
        var page = await agent.GetAsync($"/staff/cases/{number}");
        var html = await page.Content.ReadAsStringAsync();
        var token = Token().Match(html).Groups[1].Value;
        var cookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        var without = await agent.PostAsync($"/staff/cases/{number}?handler=Act&action=dispatch",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Unit"] = "市网约车监管科" }));
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Post, $"/staff/cases/{number}?handler=Act&action=dispatch")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Unit"] = "市网约车监管科", ["__RequestVerificationToken"] = token }),
        };
        request.Headers.Add("Cookie", cookie);
        var posted = await agent.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);

        var after = await agent.GetStringAsync($"/staff/cases/{number}");
        Assert.Contains("已派单", after, StringComparison.Ordinal);
        Assert.Contains("市网约车监管科", after, StringComparison.Ordinal);

        // A refused action re-renders the page with the reason and a 409.
        var refused = new HttpRequestMessage(HttpMethod.Post, $"/staff/cases/{number}?handler=Act&action=answerImmediately")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Text"] = "x", ["__RequestVerificationToken"] = token }),
        };
        refused.Headers.Add("Cookie", cookie);
        var conflict = await agent.SendAsync(refused);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("id=\"problem\"", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_require_sign_in()
    {
        var response = await _host.Anonymous().GetAsync("/staff/cases");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Overdue_board_and_enterprise_portal()
    {
        var late = await LifecycleTests.CreateAsync(_host.Anonymous(), "鹏程出租车司机拒载，车牌粤B12345。", category: "030200");
        var other = await LifecycleTests.CreateAsync(_host.Anonymous(), "大众出租车司机吸烟，车牌粤B77777。", phone: "13600002222", category: "030200");
        var agent = _host.As("agent1", "agent");
        await LifecycleTests.ActAsync(agent, late, "dispatch", new { unit = "鹏程出租", unitIsEnterprise = true });
        await LifecycleTests.ActAsync(agent, other, "dispatch", new { unit = "大众出租", unitIsEnterprise = true });
        _host.Clock.Advance(TimeSpan.FromDays(10));

        var board = await _host.As("lead1", "teamlead").GetStringAsync("/staff/cases/overdue");
        Assert.Contains(late, board, StringComparison.Ordinal);
        Assert.Contains("已超期", board, StringComparison.Ordinal);

        var portal = await _host.As("pc", "enterprise", enterprise: "鹏程出租").GetStringAsync("/enterprise/cases");
        Assert.Contains(late, portal, StringComparison.Ordinal);
        Assert.DoesNotContain(other, portal, StringComparison.Ordinal);
        Assert.DoesNotContain("139****5678", portal, StringComparison.Ordinal);
        Assert.Contains("（保密）", portal, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/enterprise/cases")).StatusCode);
    }

    [Fact]
    public async Task English_is_available()
    {
        var client = _host.As("agent1", "agent");
        client.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Culture=c%3Den-US%7Cuic%3Den-US");
        var page = await client.GetStringAsync("/staff/cases?queue=true&culture=en-US&ui-culture=en-US");
        Assert.Contains("My queue", page, StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}

/// <summary>The citizen pages: case form (antiforgery, field errors, nothing stored on error) and progress query.</summary>
public sealed partial class CitizenPagesTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> PostFormAsync(Dictionary<string, string> fields)
    {
        var client = _host.Anonymous();
        var page = await client.GetAsync("/cases/new");
        var html = await page.Content.ReadAsStringAsync();
        fields["__RequestVerificationToken"] = Token().Match(html).Groups[1].Value;
        var request = new HttpRequestMessage(HttpMethod.Post, "/cases/new") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Citizen_submits_the_form_and_queries_progress()
    {
        var response = await PostFormAsync(new() { ["Type"] = "complaint", ["Description"] = "<b>网约车</b>司机中途加价，车牌粤B6D789。", ["Phone"] = "13812345678" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var number = CaseNumber().Match(html).Groups[1].Value;
        var code = QueryCode().Match(html).Groups[1].Value;
        Assert.StartsWith("440300-", number, StringComparison.Ordinal);

        var query = await _host.Anonymous().GetStringAsync($"/cases/query?caseNumber={number}&queryCode={code}");
        Assert.Contains("已受理", query, StringComparison.Ordinal);
        Assert.Contains("138****5678", query, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;网约车&lt;/b&gt;", query, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", query, StringComparison.Ordinal);
        var wrong = await _host.Anonymous().GetAsync($"/cases/query?caseNumber={number}&queryCode=WRONG234");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }

    [Fact]
    public async Task Form_errors_name_the_fields_and_store_nothing()
    {
        var response = await PostFormAsync(new() { ["Type"] = "complaint", ["Description"] = "短", ["Phone"] = "abc" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("description:", html, StringComparison.Ordinal);
        Assert.Contains("phone:", html, StringComparison.Ordinal);
        var list = await _host.As("agent1", "agent").GetFromJsonAsync<JsonElement>("/api/v1/cases");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("id=\"case-number\">([^<]+)<")]
    private static partial Regex CaseNumber();

    [GeneratedRegex("id=\"query-code\">([^<]+)<")]
    private static partial Regex QueryCode();
}
