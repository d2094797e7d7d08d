using Microsoft.Playwright;

namespace Hotline.Browser.Tests.Launched;

/// <summary>
/// The sites of the launched demo federation in chromium, as a citizen or an officer opens them: at the gateway
/// (<c>/{regionCode}/…</c>) and at a node's own address, every page arrives with its stylesheet applied and its scripts
/// loaded and running; each tier's staff home renders for its role.
/// </summary>
[Collection(LaunchedFederationCollection.Name)]
public sealed class LaunchedSiteTests(LaunchedFederation federation)
{
    [Fact]
    public Task The_national_portal_at_the_gateway_root_has_its_styles_and_scripts_and_links_every_province() =>
        federation.RunAsync("portal-national", async session =>
        {
            await session.GotoAsync(federation.Gateway);
            await session.AssertStyledAndScriptedAsync();
            var sites = session.Page.Locator("#child-sites");
            foreach (var province in new[] { "广东省", "江苏省" })
            {
                Assert.Contains(province, await sites.InnerTextAsync(), StringComparison.Ordinal);
            }

            await session.ScreenshotAsync("portal-national");
        });

    [Theory]
    [InlineData("440000", "广东省", "site-province-440000")]
    [InlineData("440300", "深圳市", "site-city-440300")]
    public Task A_site_behind_the_gateway_has_its_styles_and_scripts(string node, string name, string screenshot) =>
        federation.RunAsync(screenshot, async session =>
        {
            await session.GotoAsync(federation.ViaGateway(node));
            await session.AssertStyledAndScriptedAsync();
            Assert.Equal(name, (await session.Page.Locator("#node-name").InnerTextAsync()).Trim());

            // Every asset URL carries the gateway's prefix, so nothing is fetched from the gateway's own root.
            var assets = await session.Page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')].map(e => new URL(e.href || e.src).pathname)");
            Assert.All(assets, path => Assert.StartsWith($"/{node}/", path, StringComparison.Ordinal));
            await session.ScreenshotAsync(screenshot);
        });

    [Fact]
    public Task A_city_site_at_its_own_address_has_its_styles_and_scripts() =>
        federation.RunAsync("site-city-direct", async session =>
        {
            await session.GotoAsync(federation.NodeUrl("440300"));
            await session.AssertStyledAndScriptedAsync();
            Assert.Equal("深圳市", (await session.Page.Locator("#node-name").InnerTextAsync()).Trim());
        });

    [Theory]
    [InlineData("100000", "officer1", "staff-home-national")]
    [InlineData("440000", "officer1", "staff-home-province")]
    [InlineData("440300", "admin1", "staff-home-city")]
    public Task Each_tier_s_staff_home_renders_styled_for_its_role(string node, string user, string screenshot) =>
        federation.RunAsync(screenshot, async session =>
        {
            var site = federation.ViaGateway(node);
            await session.SignInAsync(site, user);
            await session.AssertStyledAndScriptedAsync();
            await session.Page.GetByRole(AriaRole.Heading, new() { Level = 1 }).First.WaitForAsync();
            Assert.Equal(1, await session.Page.Locator("header.topbar form[action$='account/logout']").CountAsync());
            await session.ScreenshotAsync(screenshot);
        });

    [Fact]
    public async Task An_asset_the_manifest_does_not_know_is_404_not_an_empty_200()
    {
        using var http = new HttpClient();
        using var missing = await http.GetAsync(new Uri(federation.ViaGateway("440300"), "_content/Hotline.Web/css/no-such-file.css"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        using var present = await http.GetAsync(new Uri(federation.ViaGateway("440300"), "_content/Hotline.Web/css/site.css"));
        Assert.Equal(System.Net.HttpStatusCode.OK, present.StatusCode);
        Assert.True((await present.Content.ReadAsByteArrayAsync()).Length > 0, "site.css arrived empty");
    }
}
