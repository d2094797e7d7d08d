using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests.Launched;

/// <summary>
/// The province and ministry consoles (督办台) in chromium on the launched federation, behind the gateway's
/// <c>/{regionCode}</c> prefix: an officer's console home, 交办 from a page to a city and the assignment's page, the
/// reported cases of the subtree (filters, Excel export, 上级调阅 with the phone masked), and the scope rules (another
/// province's city is refused; a city's staff get 403).
/// </summary>
[Collection(LaunchedFederationCollection.Name)]
public sealed partial class ConsoleTests(LaunchedFederation federation)
{
    [Fact]
    public Task A_guangdong_officer_assigns_a_case_to_shenzhen_from_the_page_and_follows_it_on_the_assignment_page() =>
        federation.RunAsync("console-assignment", async session =>
        {
            var site = federation.ViaGateway("440000");
            await session.SignInAsync(site, "officer1");
            var summary = session.Page.Locator("#console-summary");
            await summary.WaitForAsync();
            Assert.Contains("今日待办", await summary.InnerTextAsync(), StringComparison.Ordinal);
            await session.AssertStyledAndScriptedAsync();
            await session.ScreenshotAsync("console-home");

            await session.GotoAsync(new Uri(site, "console/assignments/new"));
            await session.Page.Locator("#target").SelectOptionAsync("440300");
            await session.Page.Locator("#category").FillAsync("出租汽车");
            await session.Page.Locator("#description").FillAsync("群众反映深圳北站出租车拒载，请核查处理并反馈。");
            await session.Page.Locator("#location").FillAsync("深圳北站");
            await session.Page.Locator("#assign").ClickAsync();
            await session.Page.WaitForURLAsync(AssignmentPage());
            var caseNumber = session.Page.Url[(session.Page.Url.LastIndexOf('/') + 1)..];
            Assert.StartsWith("/440000/console/assignments/", new Uri(session.Page.Url).AbsolutePath, StringComparison.Ordinal);
            Assert.Contains("440300", await session.Page.Locator("#target").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(1, await session.Page.Locator("#timeline li[data-kind=assigned]").CountAsync());

            // The city accepts the case: its progress comes back up and names the city's own case number.
            var handler = await EventuallyAsync(async () =>
            {
                await session.Page.ReloadAsync();
                return (await session.Page.Locator("#handler-case").InnerTextAsync()).Trim();
            }, h => h.StartsWith("440300-", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the city's case number on the assignment page");
            Assert.StartsWith("440300-", handler, StringComparison.Ordinal);
            Assert.True(await session.Page.Locator("#timeline li[data-kind=progressed]").CountAsync() >= 1);
            Assert.Equal("inProgress", await session.Page.Locator("#status").GetAttributeAsync("data-status"));
            await session.ScreenshotAsync("console-assignment-page");

            // The assignment is in the node's list, with its city.
            await session.GotoAsync(new Uri(site, "console/assignments?city=440300"));
            Assert.Equal(1, await session.Page.Locator($"#assignments tr[data-case='{caseNumber}']").CountAsync());
        });

    [Fact]
    public Task The_reported_list_filters_exports_and_opens_a_case_masked_and_refuses_another_provinces_city() =>
        federation.RunAsync("console-cases", async session =>
        {
            var site = federation.ViaGateway("440000");
            await session.SignInAsync(site, "officer1");
            var rows = await EventuallyAsync(async () =>
            {
                await session.GotoAsync(new Uri(site, "console/cases?node=440300&channel=phone"));
                return await session.Page.Locator("#cases tbody tr").CountAsync();
            }, n => n > 0, TimeSpan.FromSeconds(90), "reported cases of 深圳 at 广东");
            Assert.InRange(rows, 1, 50);
            Assert.All(await session.Page.Locator("#cases tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.case)"),
                number => Assert.StartsWith("440300-", number, StringComparison.Ordinal));
            await session.ScreenshotAsync("console-cases");

            var export = await session.Page.Context.APIRequest.GetAsync(new Uri(site, "console/cases?node=440300&handler=Export").ToString());
            Assert.Equal(200, export.Status);
            Assert.StartsWith("application/vnd.openxmlformats", export.Headers["content-type"], StringComparison.Ordinal);
            var xlsx = await export.BodyAsync();
            Assert.Equal((byte)'P', xlsx[0]);
            Assert.Equal((byte)'K', xlsx[1]);

            // 上级调阅 from the list: the city's case over gRPC, the phone masked.
            await session.Page.Locator("#cases tbody tr a").First.ClickAsync();
            await session.Page.Locator("#case-number").WaitForAsync();
            Assert.Matches(MaskedPhone(), await session.Page.Locator("#caller").InnerTextAsync());
            Assert.Contains("440300", await session.Page.Locator("#via").InnerTextAsync(), StringComparison.Ordinal);

            // 南京 is not 广东's: the list refuses the filter, the detail refuses the read.
            var refused = await session.Page.GotoAsync(new Uri(site, "console/cases?node=320100").ToString());
            Assert.Equal(403, refused!.Status);
            Assert.Equal(0, await session.Page.Locator("#cases").CountAsync());
            var detail = await session.Page.GotoAsync(new Uri(site, "console/cases/320100-20261125-000001").ToString());
            Assert.Equal(403, detail!.Status);
        });

    [Fact]
    public Task A_ministry_officer_reads_a_nanjing_case_from_the_reported_list_with_the_phone_masked() =>
        federation.RunAsync("console-ministry", async session =>
        {
            var site = federation.ViaGateway("100000");
            await session.SignInAsync(site, "officer1");
            await EventuallyAsync(async () =>
            {
                await session.GotoAsync(new Uri(site, "console/cases?node=320100&channel=phone"));
                return await session.Page.Locator("#cases tbody tr").CountAsync();
            }, n => n > 0, TimeSpan.FromSeconds(90), "reported cases of 南京 at the ministry");
            await session.Page.Locator("#cases tbody tr a").First.ClickAsync();
            await session.Page.Locator("#case-number").WaitForAsync();
            Assert.StartsWith("320100-", await session.Page.Locator("#case-number").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Matches(MaskedPhone(), await session.Page.Locator("#caller").InnerTextAsync());
            Assert.Equal("100000 → 320000 → 320100", (await session.Page.Locator("#via").InnerTextAsync()).Trim());
            await session.ScreenshotAsync("console-case-detail");
        });

    [Fact]
    public Task A_city_user_gets_403_on_the_console_pages() =>
        federation.RunAsync("console-city-403", async session =>
        {
            var site = federation.ViaGateway("440300");
            await session.SignInAsync(site, "admin1");
            foreach (var path in new[] { "console", "console/cases", "console/assignments", "console/assignments/new", "console/relay" })
            {
                var response = await session.Page.GotoAsync(new Uri(site, path).ToString());
                Assert.True(response!.Status == 403, $"{path} answered {response.Status} to a city's admin");
            }
        });

    /// <summary>Probes until <paramref name="done"/> holds for the probe's value (every 2 s), and returns that value.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        T last = default!;
        await Hotline.Testing.Poller.UntilAsync(async () => done(last = await probe()), timeout, what, TimeSpan.FromSeconds(2));
        return last;
    }

    private static Regex AssignmentPage() => new("/console/assignments/440000-\\d{8}-\\d{6}$");

    [GeneratedRegex("1\\d{2}\\*{4}\\d{4}|（保密）")]
    private static partial Regex MaskedPhone();
}
