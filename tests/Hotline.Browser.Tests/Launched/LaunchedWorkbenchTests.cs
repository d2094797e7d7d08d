using Hotline.Testing;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests.Launched;

/// <summary>
/// The screen pop in the launched demo: agent1 of 深圳 opens the workbench through the gateway, its CTI hub connects
/// (SignalR through the gateway), the agent's desk phone (extension 8001) is registered, the agent goes ready, and a
/// citizen placed by SIPp calls 12328 and presses 2: the call pops up in the page with the caller masked.
/// </summary>
[Collection(LaunchedFederationCollection.Name)]
public sealed class LaunchedWorkbenchTests(LaunchedFederation federation)
{
    private const string City = "440300";
    private const string Extension = "8001";
    private const string Caller = "13977776666";

    [Fact]
    public Task The_workbench_connects_through_the_gateway_and_pops_a_call_placed_by_sipp() =>
        federation.RunAsync("workbench-pop-launched", async session =>
        {
            var sip = federation.SipEndPoint(City);
            await using var phone = new SipPhone(sip, Extension);
            await phone.RegisterAsync(federation.ExtensionPassword(City, Extension));

            var site = federation.ViaGateway(City);
            await session.SignInAsync(site, "agent1");
            await session.Page.GetByRole(AriaRole.Link, new() { Name = "坐席工作台" }).First.ClickAsync();
            await session.Page.WaitForURLAsync(new Uri(site, "staff/workbench").ToString());
            await session.AssertStyledAndScriptedAsync();
            await session.Page.Locator("#hub-status[data-status='connected']").WaitForAsync(new() { Timeout = 30_000 });
            Assert.Equal(Extension, (await session.Page.Locator("#agent-extension").InnerTextAsync()).Trim());
            await session.Page.GetByRole(AriaRole.Button, new() { Name = "就绪" }).ClickAsync();
            await session.Page.Locator("#agent-state[data-state='ready']").WaitForAsync();

            // SIPp is the citizen: it calls 12328, presses 2 (inquiry) and waits 25 s in the queue before giving up.
            var scenario = Path.Combine(AppContext.BaseDirectory, "Launched", "Scenarios", "hotline-caller.xml");
            var call = Sipp.CallAsync(sip.ToString(), scenario, TimeSpan.FromSeconds(60),
                "-key", "caller", Caller, "-key", "digit", "2", "-d", "25000");

            var pop = session.Page.Locator("#screen-pop");
            await pop.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
            Assert.Equal("139****6666", (await session.Page.Locator("#pop-caller").InnerTextAsync()).Trim());
            Assert.DoesNotContain(Caller, await pop.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal("信息咨询", (await session.Page.Locator("#pop-queue").InnerTextAsync()).Trim());
            Assert.Equal("2", (await session.Page.Locator("#pop-ivr").InnerTextAsync()).Trim());
            await session.Page.Locator("#agent-state[data-state='ringing']").WaitForAsync();
            Assert.NotEmpty(phone.Offered);
            await session.ScreenshotAsync("workbench-pop");

            var (exitCode, log) = await call;
            Assert.True(exitCode == 0, $"SIPp failed ({exitCode}):\n{log}");

            // The caller gave up: the pop follows the call to its end.
            await session.Page.Locator("#pop-state[data-state='ended'], #pop-state[data-state='elsewhere']").WaitForAsync(new() { Timeout = 30_000 });
        });
}
