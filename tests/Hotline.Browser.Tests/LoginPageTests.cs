using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests;

public sealed partial class LoginPageTests : IClassFixture<MunicipalSite>
{
    private readonly MunicipalSite _site;

    public LoginPageTests(MunicipalSite site) => _site = site;

    [Fact]
    public async Task Agent_logs_in_and_sees_their_home_page()
    {
        var page = await _site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync("agent1");
        await page.GetByLabel("密码").FillAsync(MunicipalSite.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();

        await page.WaitForURLAsync(StaffUrl());
        Assert.Equal("话务员一", (await page.Locator("#current-user").InnerTextAsync()).Trim());
        Assert.Equal("agent1", (await page.Locator("#user-name").InnerTextAsync()).Trim());
        Assert.Contains("话务员", await page.Locator("#user-roles").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("欢迎", await page.Locator("#welcome").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_shows_a_chinese_error()
    {
        var page = await _site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.Locator("#username").FillAsync("agent2");
        await page.Locator("#password").FillAsync("Not-The-Passw0rd");
        await page.Locator("#login-submit").ClickAsync();

        var error = page.Locator("#login-error");
        await error.WaitForAsync();
        Assert.Equal("用户名或密码错误。", (await error.InnerTextAsync()).Trim());
        Assert.DoesNotMatch(StaffUrl(), page.Url);
    }

    [Fact]
    public async Task Language_switch_shows_english()
    {
        var page = await _site.NewPageAsync();
        await page.GotoAsync("/account/login");
        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Staff sign-in" }).WaitForAsync();
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
    }

    [Fact]
    public async Task Landing_page_loads_htmx_from_npm_and_links_the_case_form()
    {
        var page = await _site.NewPageAsync();
        var response = await page.GotoAsync("/");
        Assert.NotNull(response);
        Assert.True(response.Ok);
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.htmx !== 'undefined'"));
        Assert.Equal("深圳市", (await page.Locator("#node-name").InnerTextAsync()).Trim());
        Assert.EndsWith("/cases/new", await page.Locator("#submit-case").GetAttributeAsync("href"), StringComparison.Ordinal);
    }

    [GeneratedRegex("/staff$")]
    private static partial Regex StaffUrl();
}
