using System.Text.RegularExpressions;
using Hotline.SharedKernel;
using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Persistence;
using Hotline.Ticketing.Reference;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>基础数据维护: editing the category codes, SLA table and routing rules (handlers and the staff page).</summary>
public sealed partial class ReferenceDataTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead1", [HotlineRoles.TeamLead], null, null, "127.0.0.1");
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<T> WithEditor<T>(Func<ReferenceDataEditor, Task<T>> work)
    {
        await using var scope = _host.Scope();
        return await work(scope.ServiceProvider.GetRequiredService<ReferenceDataEditor>());
    }

    [Fact]
    public async Task A_new_sla_row_sets_the_deadline_of_the_next_case_and_is_audited()
    {
        var saved = await WithEditor(e => e.SaveSlaAsync(new SlaInput(0, "complaint", "0301", "normal", 2, 0), Lead, CancellationToken.None));
        Assert.True(saved.IsSuccess);
        var number = await LifecycleTests.CreateAsync(_host.Anonymous(), "公交车过站不停，乘客无法下车。", category: "030100");
        var deadline = (await _host.As("lead1", "teamlead").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}")).GetProperty("deadline").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 23, 59, 59, TimeSpan.FromHours(8)), deadline); // Wed + 2 working days = Fri

        await using var scope = _host.Scope();
        var audit = await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Audit.SingleAsync(a => a.Action == "reference.sla.save");
        Assert.Equal("lead1", audit.Actor);
        Assert.Contains("0301", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_rows_are_refused_naming_each_field_and_nothing_is_stored()
    {
        var sla = await WithEditor(e => e.SaveSlaAsync(new SlaInput(0, "gossip", "03ab", "soon", 3, 24), Lead, CancellationToken.None));
        Assert.Equal(["category", "hours", "priority", "type"], sla.Error!.Fields!.Keys.Order());
        var category = await WithEditor(e => e.SaveCategoryAsync(new CategoryInput("12", "", "999999"), Lead, CancellationToken.None));
        Assert.Equal(["code", "name", "parent"], category.Error!.Fields!.Keys.Order());
        var route = await WithEditor(e => e.SaveRouteAsync(new RouteInput(0, "x", null, null, " ", false, -1), Lead, CancellationToken.None));
        Assert.Equal(["category", "handlingUnit", "rank"], route.Error!.Fields!.Keys.Order());
        var twice = await WithEditor(e => e.SaveSlaAsync(new SlaInput(0, "inquiry", null, "normal", 5, 0), Lead, CancellationToken.None));
        Assert.True(twice.Error!.Fields!.ContainsKey("category")); // a row for inquiry/*/normal exists: edit it instead

        var agent = new Actor("agent1", [HotlineRoles.Agent], null, null, null);
        Assert.Equal(ErrorKind.Forbidden, (await WithEditor(e => e.DeleteRouteAsync(1, agent, CancellationToken.None))).Error!.Kind);
        Assert.Equal(ErrorKind.Conflict, (await WithEditor(e => e.DeleteCategoryAsync("030000", Lead, CancellationToken.None))).Error!.Kind);

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(0, await db.Audit.CountAsync(a => a.Action.StartsWith("reference.")));
        Assert.True(await db.Categories.AnyAsync(c => c.Code == "030000"));
    }

    [Fact]
    public async Task A_routing_rule_by_enterprise_suggests_the_unit_and_a_category_can_be_added_and_used()
    {
        Assert.True((await WithEditor(e => e.SaveCategoryAsync(new CategoryInput("030500", "共享单车", "030000"), Lead, CancellationToken.None))).IsSuccess);
        Assert.True((await WithEditor(e => e.SaveRouteAsync(new RouteInput(0, null, "美团单车", null, "美团单车深圳运营部", true, 5), Lead, CancellationToken.None))).IsSuccess);
        var number = await LifecycleTests.CreateAsync(_host.Anonymous(), "共享单车乱停放占用盲道。", category: "030500", enterprise: "美团单车");
        var view = await _host.As("agent1", "agent").GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal("美团单车深圳运营部", view.GetProperty("suggestedUnit").GetString());
        Assert.True(view.GetProperty("suggestedUnitIsEnterprise").GetBoolean());
        Assert.Equal("共享单车", view.GetProperty("categoryName").GetString());
    }

    [Fact]
    public async Task The_page_posts_with_antiforgery_shows_field_errors_and_is_for_leads_and_admins()
    {
        var admin = _host.As("admin1", "admin");
        var page = await admin.GetAsync("/staff/reference");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("基础数据维护", html, StringComparison.Ordinal);
        Assert.Contains("市公交管理处", html, StringComparison.Ordinal);
        var token = Token().Match(html).Groups[1].Value;
        var cookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        HttpRequestMessage Post(string handler, Dictionary<string, string> form, bool withToken = true)
        {
            if (withToken)
            {
                form["__RequestVerificationToken"] = token;
            }

            var request = new HttpRequestMessage(HttpMethod.Post, $"/staff/reference?handler={handler}") { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add("Cookie", cookie);
            return request;
        }

        var without = await admin.SendAsync(Post("SaveCategory", new() { ["code"] = "030600", ["name"] = "<b>水上巴士</b>" }, withToken: false));
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        var saved = await admin.SendAsync(Post("SaveCategory", new() { ["code"] = "030600", ["name"] = "<b>水上巴士</b>", ["parent"] = "030000" }));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var after = await admin.GetStringAsync("/staff/reference?done=true");
        Assert.Contains("value=\"&lt;b&gt;水上巴士&lt;/b&gt;\"", after, StringComparison.Ordinal);

        var bad = await admin.SendAsync(Post("SaveSla", new() { ["id"] = "0", ["type"] = "complaint", ["priority"] = "normal", ["workingDays"] = "0", ["hours"] = "0" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Contains("data-field=\"hours\"", badHtml, StringComparison.Ordinal);
        Assert.Contains("小时", badHtml, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await _host.As("agent1", "agent").GetAsync("/staff/reference")).StatusCode);
        var english = _host.As("lead1", "teamlead");
        english.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Culture=c%3Den-US%7Cuic%3Den-US");
        Assert.Contains("Routing rules", await english.GetStringAsync("/staff/reference?culture=en-US&ui-culture=en-US"), StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
