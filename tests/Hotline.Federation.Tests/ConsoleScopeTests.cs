using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using MiniExcelLibs;

namespace Hotline.Federation.Tests;

/// <summary>
/// The province and ministry consoles over HTTP on an in-process federation (国 → 广东/深圳, 江苏/南京): what each officer
/// may list, open and assign, the page flow of 交办 (assign, the city's feedback, send back with a reason), and 403 for
/// a city's staff. The browser lane drives the same pages in chromium on the launched federation.
/// </summary>
public sealed partial class ConsoleScopeTests : IAsyncLifetime
{
    private TestFederation _federation = null!;
    private string _shenzhen = null!;
    private string _nanjing = null!;

    public async Task InitializeAsync()
    {
        _federation = await TestFederation.StartAsync([
            TestFederation.National("440000", "320000"),
            TestFederation.Province("440000", "广东省", "440300"),
            TestFederation.City("440300", "深圳市"),
            TestFederation.Province("320000", "江苏省", "320100"),
            TestFederation.City("320100", "南京市"),
        ]);
        _shenzhen = _federation["440300"].City!.CreateLocal(title: "深圳北站出租车拒载", phone: "13812345678");
        _nanjing = _federation["320100"].City!.CreateLocal(title: "南京南站出租车绕路", phone: "13912345678");
        using var ministry = Officer("100000");
        await Poller.UntilAsync(() => ministry.GetStringAsync(new Uri("/console/cases", UriKind.Relative)),
            html => html.Contains(_shenzhen, StringComparison.Ordinal) && html.Contains(_nanjing, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "both cases in the ministry's reported list");
    }

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    [Fact]
    public async Task A_guangdong_officer_sees_only_guangdong_cases_and_is_refused_nanjing_everywhere()
    {
        using var guangdong = Officer("440000");
        var list = await guangdong.GetStringAsync(new Uri("/console/cases", UriKind.Relative));
        Assert.Contains(_shenzhen, list, StringComparison.Ordinal);
        Assert.DoesNotContain(_nanjing, list, StringComparison.Ordinal);
        Assert.Contains("138****5678", list, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", list, StringComparison.Ordinal);

        // Not in the counts either: the console home and its live summary name no 江苏 city.
        foreach (var page in new[] { "/console", "/console/summary" })
        {
            var html = await guangdong.GetStringAsync(new Uri(page, UriKind.Relative));
            Assert.DoesNotContain("320100", html, StringComparison.Ordinal);
            Assert.Contains("data-node=\"440300\"", html, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await guangdong.GetAsync(new Uri("/console/cases?node=320100", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guangdong.GetAsync(new Uri("/console/cases?node=320000&handler=Export", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guangdong.GetAsync(new Uri($"/console/cases/{_nanjing}", UriKind.Relative))).StatusCode);

        // 交办 to 南京 from 广东's page: refused, naming the field, and nothing assigned.
        var refused = await PostFormAsync(guangdong, "/console/assignments/new", new()
        {
            ["TargetNode"] = "320100", ["Type"] = "complaint", ["Description"] = "请核查南京南站出租车绕路。",
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("error-targetNode", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("320100", await guangdong.GetStringAsync(new Uri("/console/assignments", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(0, _federation["320100"].City!.AcceptCalls);
    }

    [Fact]
    public async Task The_export_holds_the_filtered_rows_of_the_subtree_only()
    {
        using var ministry = Officer("100000");
        var response = await ministry.GetAsync(new Uri("/console/cases?node=440000&handler=Export", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var xlsx = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = xlsx.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        var row = Assert.Single(rows);
        Assert.Equal(_shenzhen, row["工单号"]);
        Assert.Equal("138****5678", row["来电（脱敏）"]);
    }

    [Fact]
    public async Task A_city_user_gets_403_on_every_console_page()
    {
        using var cityAdmin = Client("440300", TestTokens.Admin("440300"));
        foreach (var page in new[] { "/console", "/console/summary", "/console/cases", "/console/assignments", "/console/assignments/new", "/console/relay" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await cityAdmin.GetAsync(new Uri(page, UriKind.Relative))).StatusCode);
        }

        // Staff of a province without the officer role are refused as well.
        using var analyst = Client("440000", TestTokens.Staff("440000", HotlineRoles.Analyst));
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync(new Uri("/console", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task An_assignment_made_from_the_page_shows_the_citys_result_and_is_sent_back_with_a_reason()
    {
        using var guangdong = Officer("440000");
        var city = _federation["440300"].City!;
        var created = await PostFormAsync(guangdong, "/console/assignments/new", new()
        {
            ["TargetNode"] = "440300", ["Type"] = "complaint", ["Category"] = "出租汽车", ["Location"] = "深圳北站",
            ["Description"] = "群众反映深圳北站出租车拒载，请核查处理并反馈。",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var page = created.Headers.Location!.ToString();
        var number = AssignmentNumber().Match(page).Value;
        Assert.StartsWith("440000-", number, StringComparison.Ordinal);

        var handled = await Poller.UntilAsync(() => Task.FromResult(city.ByOrigin(number)), c => c is not null, TimeSpan.FromSeconds(30), "the case at 深圳");
        Assert.Contains("地点：深圳北站", handled!.Description, StringComparison.Ordinal);
        city.ChangeStatus(handled.CaseNumber, "closed", "已约谈司机并退还车费。");
        var resolved = await Poller.UntilAsync(() => guangdong.GetStringAsync(new Uri(page, UriKind.Relative)),
            html => html.Contains("data-status=\"resolved\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the result on the assignment page");
        Assert.Contains("已约谈司机并退还车费。", resolved, StringComparison.Ordinal);
        Assert.Contains(handled.CaseNumber, resolved, StringComparison.Ordinal);

        // Sending back needs a reason; with one, the city gets it.
        var noReason = await PostFormAsync(guangdong, page + "?handler=SendBack", new() { ["Reason"] = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var sentBack = await PostFormAsync(guangdong, page + "?handler=SendBack", new() { ["Reason"] = "请补充整改照片" });
        Assert.Equal(HttpStatusCode.Redirect, sentBack.StatusCode);
        await Poller.UntilAsync(() => city.Reminders.Any(r => r.Kind == "sentBack" && r.Text == "请补充整改照片"), TimeSpan.FromSeconds(30),
            "the reason at the city");
        var after = await guangdong.GetStringAsync(new Uri(page, UriKind.Relative));
        Assert.Contains("data-status=\"sentBack\"", after, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"sentBack\"", after, StringComparison.Ordinal);

        // A form without the antiforgery token is refused.
        var forged = await guangdong.PostAsync(new Uri(page + "?handler=Accept", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Reason"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    private HttpClient Officer(string node) => Client(node, TestTokens.Staff(node));

    private HttpClient Client(string node, string token)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(_federation[node].Url),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Posts a form as the page does: the antiforgery token from the page's own form, the cookie kept by the client.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields)
    {
        var form = await client.GetStringAsync(new Uri(path.Split('?')[0], UriKind.Relative));
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups[1].Value;
        return await client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex(@"\d{6}-\d{8}-\d{6}$")]
    private static partial Regex AssignmentNumber();
}
