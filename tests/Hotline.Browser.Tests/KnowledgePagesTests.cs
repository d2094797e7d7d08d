using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests;

/// <summary>
/// The knowledge pages (知识库) in chromium against a city with its demo knowledge: searching as you type (pinyin
/// initials, synonyms, highlighted snippets), reading, writing with a check-out, reviewing, comparing versions, and
/// the English UI. Each screen is saved under docs/screenshots/knowledge-*.png.
/// </summary>
public sealed partial class KnowledgePagesTests(KnowledgeSite site) : IClassFixture<KnowledgeSite>
{
    [Fact]
    public async Task Agent_searches_as_they_type_and_reads_an_article()
    {
        var page = await SignInAsync("agent1");
        await page.GotoAsync("/staff/knowledge");
        await page.Locator("#q").PressSequentiallyAsync("czc", new() { Delay = 60 });
        var first = page.Locator(".kb-hit").First;
        await first.WaitForAsync();
        StringAssert(await first.GetAttributeAsync("data-code"), "FAQ-TAXI-");

        await page.Locator("#q").FillAsync("的士起步价多少钱");
        // The results of "czc" are replaced by the new ones: wait for a highlighted word of the new query.
        await page.Locator(".kb-hit[data-code='FAQ-TAXI-001'] p mark").First.WaitForAsync();
        Assert.Equal("FAQ-TAXI-001", await page.Locator(".kb-hit").First.GetAttributeAsync("data-code"));
        Assert.Contains("起步", await page.Locator(".kb-hit").First.Locator("mark").AllInnerTextsAsync());
        await site.ScreenshotAsync(page, "knowledge-search");

        await page.Locator(".kb-hit").First.Locator("a").ClickAsync();
        await page.Locator("#article-title").WaitForAsync();
        Assert.Equal("出租车起步价和计价标准", (await page.Locator("#article-title").InnerTextAsync()).Trim());
        Assert.Equal(4, await page.Locator("#body table tr").CountAsync());
        Assert.Equal("已发布", (await page.Locator("#status").InnerTextAsync()).Trim());
        Assert.Equal(0, await page.Locator("#checkout").CountAsync()); // agents read, they do not edit
        await site.ScreenshotAsync(page, "knowledge-article");
    }

    [Fact]
    public async Task Editor_writes_reviewer_approves_and_versions_are_compared_without_running_script()
    {
        var admin = await SignInAsync("admin1");
        var dialogs = 0;
        admin.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
        await admin.GotoAsync("/staff/knowledge/edit?library=faq");
        await admin.Locator("#Form_Code").FillAsync("FAQ-FERRY-001");
        await admin.Locator("#Form_Title").FillAsync("轮渡票价与班次");
        await admin.Locator("#Form_Keywords").FillAsync("轮渡, 票价, 班次");
        await admin.Locator("#Form_Category").FillAsync("040100");
        await admin.Locator("#Form_Body").FillAsync(
            "轮渡单程票价**5元**，每30分钟一班。\n\n| 时段 | 间隔 |\n| --- | --- |\n| 高峰 | 15分钟 |\n| 平峰 | 30分钟 |\n\n<script>window.__xss = 1; alert(1)</script>\n<img src=x onerror=\"window.__xss = 2\">");
        await admin.Locator("#save").ClickAsync();
        await admin.Locator("#article-title").WaitForAsync();
        Assert.Equal("草稿", (await admin.Locator("#status").InnerTextAsync()).Trim());
        Assert.Equal(3, await admin.Locator("#body table tr").CountAsync());
        await admin.WaitForTimeoutAsync(300);
        Assert.True(await admin.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.Equal(0, dialogs);
        var articleUrl = admin.Url;

        await admin.Locator("#submit").ClickAsync();
        await admin.Locator("#status:text('待审核')").WaitForAsync();

        var reviewer = await SignInAsync("reviewer1");
        await reviewer.GotoAsync("/staff/knowledge");
        await reviewer.Locator("#review-queue a:text('轮渡票价与班次')").ClickAsync();
        await reviewer.Locator("#approve").WaitForAsync();
        await site.ScreenshotAsync(reviewer, "knowledge-review");
        await reviewer.Locator("#approve").ClickAsync();
        await reviewer.Locator("#status:text('已发布')").WaitForAsync();

        await admin.GotoAsync(articleUrl);
        await admin.Locator("#checkout").ClickAsync();
        await admin.WaitForURLAsync(EditUrl());
        await admin.Locator("#Form_Body").FillAsync("轮渡单程票价**6元**，每20分钟一班。\n\n| 时段 | 间隔 |\n| --- | --- |\n| 高峰 | 10分钟 |\n| 平峰 | 20分钟 |");
        await admin.GetByRole(AriaRole.Button, new() { Name = "预览" }).ClickAsync();
        await admin.Locator("#preview strong:text('6元')").WaitForAsync();
        await site.ScreenshotAsync(admin, "knowledge-edit");
        await admin.Locator("#save").ClickAsync();
        await admin.Locator("#checkin").ClickAsync();
        await admin.Locator("#submit").ClickAsync();
        await admin.Locator("#status:text('待审核')").WaitForAsync();

        await reviewer.ReloadAsync();
        await reviewer.Locator("#approve").ClickAsync();
        await reviewer.Locator("#status:text('已发布')").WaitForAsync();
        Assert.Equal(2, await reviewer.Locator("#versions tbody tr").CountAsync());

        await reviewer.Locator("#versions a:text('比较 v1→v2')").ClickAsync();
        await reviewer.Locator("#body-diff").WaitForAsync();
        Assert.Contains("6元", await reviewer.Locator("#body-diff .diff-new").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("5元", await reviewer.Locator("#body-diff .diff-old").First.InnerTextAsync(), StringComparison.Ordinal);
        await site.ScreenshotAsync(reviewer, "knowledge-compare");

        await reviewer.GotoAsync("/staff/knowledge");
        await reviewer.Locator("#q").FillAsync("轮渡票价");
        await reviewer.Locator(".kb-hit[data-code='FAQ-FERRY-001']").WaitForAsync();
        Assert.Contains("6元", await reviewer.Locator(".kb-hit[data-code='FAQ-FERRY-001'] p").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_editor_sees_the_lock_and_the_english_pages()
    {
        var admin = await SignInAsync("admin1");
        await admin.GotoAsync("/staff/knowledge");
        await admin.Locator("#q").FillAsync("ETC办理");
        await admin.Locator(".kb-hit[data-code='FAQ-ETC-001'] a").ClickAsync();
        await admin.Locator("#checkout").ClickAsync();
        await admin.WaitForURLAsync(EditUrl());

        var lead = await SignInAsync("lead1");
        var article = new Uri(admin.Url.Replace("/edit/", "/articles/", StringComparison.Ordinal)).AbsolutePath;
        await lead.GotoAsync("/culture/en-US?returnUrl=" + Uri.EscapeDataString(article));
        await lead.Locator("#lock").WaitForAsync();
        Assert.Contains("Checked out by admin1", await lead.Locator("#lock").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await lead.Locator("#checkout").CountAsync());
        Assert.Equal(0, await lead.Locator("#archive").CountAsync());
        await site.ScreenshotAsync(lead, "knowledge-locked-en");

        await lead.GotoAsync("/staff/knowledge?q=" + Uri.EscapeDataString("电子不停车收费"));
        await lead.GetByRole(AriaRole.Heading, new() { Name = "Knowledge base" }).WaitForAsync();
        Assert.Equal("FAQ-ETC-001", await lead.Locator(".kb-hit").First.GetAttributeAsync("data-code"));
        await site.ScreenshotAsync(lead, "knowledge-search-en");
    }

    private static void StringAssert(string? value, string prefix) => Assert.StartsWith(prefix, value ?? "", StringComparison.Ordinal);

    private async Task<IPage> SignInAsync(string user)
    {
        var context = await site.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = site.BaseAddress.ToString(),
            Locale = "zh-CN",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(MunicipalSite.DemoPassword);
        await page.Locator("#login-submit").ClickAsync();
        await page.WaitForURLAsync(StaffUrl());
        return page;
    }

    [GeneratedRegex("/staff$")]
    private static partial Regex StaffUrl();

    [GeneratedRegex("/staff/knowledge/edit/[0-9]+$")]
    private static partial Regex EditUrl();
}

/// <summary>A city with its demo knowledge (seeded in demo mode) whose pages are shown in zh-CN; saves screenshots.</summary>
public sealed class KnowledgeSite : MunicipalSite
{
    protected override string Locale => "zh-CN";

    /// <summary>Saves a full-page PNG to docs/screenshots/&lt;name&gt;.png in the repository.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hotline.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "docs", "screenshots");
        System.IO.Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
