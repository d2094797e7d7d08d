using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests;

/// <summary>
/// The agent workbench (坐席工作台) in chromium against a city whose call center runs for real: the agent changes
/// state with the page's buttons, a caller reaches 12328 and picks a queue, the ACD rings the agent's registered phone,
/// the screen pop shows the masked caller and links phone intake with the call, and the intake form comes prefilled;
/// the pop's 应答/挂断 buttons answer (the phone goes off hook on the B2BUA's remote-answer NOTIFY) and hang up, the pop
/// follows the call to its end and stays for wrap-up; staff who are not agents may not act on calls.
/// </summary>
public sealed partial class WorkbenchTests(CallCenterSite site, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<CallCenterSite>
{
    private const string Caller = "13912345678";

    [Fact]
    public async Task An_agent_goes_ready_and_a_ringing_call_pops_up_with_a_link_that_prefills_phone_intake()
    {
        // The agent's desk phone registers first (it starts logged out: the workbench signs the agent in).
        await using var phone = new SipPhone(site.SipEndPoint, CallCenterSite.Extension);
        await phone.RegisterAsync(CallCenterSite.ExtensionPassword);

        var page = await site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync("agent1");
        await page.GetByLabel("密码").FillAsync(CallCenterSite.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(StaffUrl());

        // Linked from the staff home page, for agents.
        await page.GetByRole(AriaRole.Link, new() { Name = "坐席工作台" }).First.ClickAsync();
        await page.WaitForURLAsync(WorkbenchUrl());
        Assert.Equal(CallCenterSite.Extension, (await page.Locator("#agent-extension").InnerTextAsync()).Trim());
        await page.Locator("#hub-status[data-status='connected']").WaitForAsync();
        await page.Locator("#agent-state[data-state='loggedOut']").WaitForAsync();

        // 小休 with a reason, then 就绪: the page shows each state as CTI reports it.
        await page.GetByLabel("示忙原因").SelectOptionAsync("Training");
        await page.GetByRole(AriaRole.Button, new() { Name = "小休（示忙）" }).ClickAsync();
        await page.Locator("#agent-state[data-state='notReady']").WaitForAsync();
        Assert.Contains("培训", await page.Locator("#agent-reason").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "就绪" }).ClickAsync();
        await page.Locator("#agent-state[data-state='ready']").WaitForAsync();
        Assert.Equal("就绪", (await page.Locator("#agent-state").InnerTextAsync()).Trim());
        Assert.Equal("true", await page.Locator("#state-ready").GetAttributeAsync("aria-pressed"));
        await page.Locator("#queue-rows tr[data-queue='inquiry']").WaitForAsync();
        Assert.Contains("信息咨询", await page.Locator("#queue-rows tr[data-queue='inquiry'] th").InnerTextAsync(), StringComparison.Ordinal);

        // A citizen calls 12328 and presses 2 (inquiry); the ACD rings the agent's phone and the page pops the call.
        await using var caller = new SipPhone(site.SipEndPoint, Caller);
        try
        {
            // Measured, not asserted: from the B2BUA's INVITE reaching the agent's phone to the pop shown in the page.
            await page.EvaluateAsync(PopClock);
            await caller.CallHotlineAsync("12328", '2');
            var pop = page.Locator("#screen-pop");
            await pop.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
            var shownAt = await page.EvaluateAsync<long>("() => window.popShownAt");
            output.WriteLine($"screen pop: shown {shownAt - phone.FirstOfferAt} ms after the agent's phone was offered the call");
            Assert.Equal("139****5678", (await page.Locator("#pop-caller").InnerTextAsync()).Trim());
            Assert.DoesNotContain(Caller, await pop.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal("2", (await page.Locator("#pop-ivr").InnerTextAsync()).Trim());
            Assert.Equal("信息咨询", (await page.Locator("#pop-queue").InnerTextAsync()).Trim());
            Assert.Equal(caller.CallId, (await page.Locator("#pop-call-id").InnerTextAsync()).Trim());
            Assert.Single(phone.Offered); // the B2BUA's own leg to the agent's phone (a Call-ID of its own)
            await page.Locator("#agent-state[data-state='ringing']").WaitForAsync();

            // The link carries the call (and, once CTI lists the call, the recording it will have).
            var link = page.Locator("#pop-intake");
            await page.Locator("#pop-intake[href*='recordingId=']").WaitForAsync();
            var href = await link.GetAttributeAsync("href");
            Assert.StartsWith("/staff/cases/phone?", href, StringComparison.Ordinal);
            var query = System.Web.HttpUtility.ParseQueryString(new Uri(site.BaseAddress, href).Query);
            Assert.Equal((caller.CallId, Caller, "2"), (query["callId"], query["phone"], query["ivr"]));
            Assert.Matches(RecordingId(), query["recordingId"]);

            await link.ClickAsync();
            await page.WaitForURLAsync(IntakeUrl());
            Assert.Equal(Caller, await page.Locator("#phone").InputValueAsync());
            Assert.Equal(caller.CallId, (await page.Locator("#call-id").InnerTextAsync()).Trim());
            Assert.Equal("inquiry", await page.Locator("#type").InputValueAsync());
            Assert.Equal(query["recordingId"], await page.Locator("input[name='RecordingId']").InputValueAsync());
        }
        finally
        {
            await caller.CancelAsync("12328");
        }
    }

    [Fact]
    public async Task In_english_an_agent_without_an_extension_is_told_so_and_gets_no_call_controls()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync("agent2"); // an agent, but not bound to an extension here
        await page.GetByLabel("密码").FillAsync(CallCenterSite.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(StaffUrl());
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Agent workbench" }).First.ClickAsync();
        await page.WaitForURLAsync(WorkbenchUrl());

        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Agent workbench" }).WaitForAsync();
        Assert.Contains("no phone extension", await page.Locator("#no-extension").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#state-ready").CountAsync());
        Assert.Equal("Queue board", (await page.Locator("#queue-board-title").InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task Staff_without_an_agent_role_do_not_get_the_workbench()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync("handler1");
        await page.GetByLabel("密码").FillAsync(CallCenterSite.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(StaffUrl());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "坐席工作台" }).CountAsync());

        // Refused (the access-denied page), so no CTI controls either.
        await page.GotoAsync("/staff/workbench");
        Assert.Equal(0, await page.Locator("#workbench").CountAsync());
        Assert.Equal(0, await page.Locator("#state-ready").CountAsync());
    }

    [Fact]
    public async Task The_agent_answers_from_the_pop_talks_and_hangs_up_and_the_pop_stays_for_wrap_up_until_closed()
    {
        await using var phone = new SipPhone(site.SipEndPoint, CallCenterSite.Extension);
        await phone.RegisterAsync(CallCenterSite.ExtensionPassword);
        var page = await OpenWorkbenchReadyAsync();
        await using var caller = new SipPhone(site.SipEndPoint, Caller);
        try
        {
            await caller.CallHotlineAsync("12328", '2');
            await page.Locator("#pop-state[data-state='ringing']").WaitForAsync(new() { Timeout = 30_000 });
            var leg = Assert.Single(phone.Offered);
            Assert.False(await page.Locator("#call-answer").IsDisabledAsync());
            Assert.False(await page.Locator("#call-hangup").IsDisabledAsync());
            Assert.Equal("—", (await page.Locator("#pop-talk-clock").InnerTextAsync()).Trim());

            // 应答: while the command is in flight the page says so and the buttons wait; then the phone goes off hook.
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.RouteAsync("**/api/v1/cti/calls/*/answer", async route =>
            {
                await release.Task;
                await route.ContinueAsync();
            });
            await page.GetByRole(AriaRole.Button, new() { Name = "应答" }).ClickAsync();
            await page.Locator("#call-busy").WaitForAsync(new() { State = WaitForSelectorState.Visible });
            Assert.True(await page.Locator("#call-answer").IsDisabledAsync());
            Assert.True(await page.Locator("#call-hangup").IsDisabledAsync());
            Assert.Contains("正在处理", await page.Locator("#call-busy").InnerTextAsync(), StringComparison.Ordinal);
            release.SetResult();
            await page.Locator("#call-busy").WaitForAsync(new() { State = WaitForSelectorState.Hidden });

            await page.Locator("#pop-state[data-state='talking']").WaitForAsync();
            Assert.Equal("通话中", (await page.Locator("#pop-state").InnerTextAsync()).Trim());
            Assert.True(phone.IsOffHook(leg), "the phone was not asked to go off hook (NOTIFY Event: talk)");
            Assert.True(await Poll(() => caller.FinalStatus == 200), $"the caller was not connected: {caller.FinalStatus}");
            Assert.True(await page.Locator("#call-answer").IsDisabledAsync()); // nothing left to answer
            await page.Locator("#pop-talk-clock:not([datetime='PT0S'])").WaitForAsync(); // the talk time runs
            Assert.Matches(TalkTime(), (await page.Locator("#pop-talk-clock").InnerTextAsync()).Trim());

            // 挂断: the phone and the caller both get a BYE; the pop shows the call ended and stays (wrap-up).
            var clickedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await page.GetByRole(AriaRole.Button, new() { Name = "挂断" }).ClickAsync();
            await page.Locator("#pop-state[data-state='ended']").WaitForAsync();
            Assert.True(await Poll(() => phone.Saw("BYE", leg)), "no BYE at the agent's phone");
            output.WriteLine($"hang-up: BYE at the agent's phone {phone.ReceivedAt("BYE", leg) - clickedAt} ms after the click was sent"); // measured, not asserted
            Assert.True(await Poll(() => caller.Saw("BYE", caller.CallId)), "no BYE at the caller");
            Assert.Equal("已结束", (await page.Locator("#pop-state").InnerTextAsync()).Trim());
            Assert.True(await page.Locator("#call-hangup").IsDisabledAsync());
            var talked = (await page.Locator("#pop-talk-clock").InnerTextAsync()).Trim();
            Assert.Matches(TalkTime(), talked);
            Assert.True(await page.Locator("#pop-intake").IsVisibleAsync());
            Assert.Contains(Uri.EscapeDataString(caller.CallId), await page.Locator("#pop-intake").GetAttributeAsync("href"), StringComparison.Ordinal);
            Assert.True(await page.Locator("#pop-wrap-up").IsVisibleAsync());
            Assert.Contains("登记工单", await page.Locator("#pop-wrap-up").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal("", (await page.Locator("#call-error").InnerTextAsync()).Trim());

            await page.GetByRole(AriaRole.Button, new() { Name = "关闭弹屏" }).ClickAsync();
            await page.Locator("#screen-pop").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        }
        finally
        {
            await caller.EndAsync("12328");
            await LogOutAgentAsync(page);
        }
    }

    [Fact]
    public async Task The_agent_hangs_up_a_ringing_call_from_the_pop_and_a_handler_may_not_touch_it()
    {
        await using var phone = new SipPhone(site.SipEndPoint, CallCenterSite.Extension);
        await phone.RegisterAsync(CallCenterSite.ExtensionPassword);
        var page = await OpenWorkbenchReadyAsync();
        await using var caller = new SipPhone(site.SipEndPoint, Caller);
        try
        {
            await caller.CallHotlineAsync("12328", '2');
            await page.Locator("#pop-state[data-state='ringing']").WaitForAsync(new() { Timeout = 30_000 });
            var leg = Assert.Single(phone.Offered);

            // A department handler (staff, not an agent) calling the command API for this very call is refused.
            var handler = await SignInAsync("handler1");
            var refused = await handler.Context.APIRequest.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup");
            Assert.Equal(403, refused.Status);
            Assert.StartsWith("application/problem+json", refused.Headers["content-type"], StringComparison.Ordinal);
            var problem = await refused.JsonAsync();
            Assert.Equal("cti.not_call_staff", problem!.Value.GetProperty("code").GetString());
            Assert.False(phone.Saw("CANCEL"));
            Assert.Equal("ringing", await page.Locator("#pop-state").GetAttributeAsync("data-state"));

            await page.GetByRole(AriaRole.Button, new() { Name = "挂断" }).ClickAsync();
            await page.Locator("#pop-state[data-state='ended']").WaitForAsync();
            Assert.True(await Poll(() => phone.Saw("CANCEL", leg)), "no CANCEL at the agent's phone");
            Assert.True(await Poll(() => caller.FinalStatus is >= 400), $"the caller's call did not end: {caller.FinalStatus}");
            Assert.Equal("—", (await page.Locator("#pop-talk-clock").InnerTextAsync()).Trim()); // never talked
            Assert.True(await page.Locator("#pop-wrap-up").IsHiddenAsync()); // so no wrap-up hint, just the way to close
            Assert.True(await page.Locator("#pop-close").IsVisibleAsync());
        }
        finally
        {
            await caller.EndAsync("12328");
            await LogOutAgentAsync(page);
        }
    }

    [Fact]
    public async Task When_the_phone_declines_the_call_the_pop_says_it_no_longer_rings_there_and_can_be_closed()
    {
        await using var phone = new SipPhone(site.SipEndPoint, CallCenterSite.Extension) { RejectWith = 486 };
        await phone.RegisterAsync(CallCenterSite.ExtensionPassword);
        var page = await OpenWorkbenchReadyAsync();
        await using var caller = new SipPhone(site.SipEndPoint, Caller);
        try
        {
            // The ACD offers the call to the only ready agent; the desk phone declines (busy): the call goes back to the queue.
            await caller.CallHotlineAsync("12328", '2');
            await page.Locator("#pop-state[data-state='elsewhere']").WaitForAsync(new() { Timeout = 30_000 });
            Assert.Contains("已不在您的话机振铃", await page.Locator("#pop-state").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(caller.CallId, (await page.Locator("#pop-call-id").InnerTextAsync()).Trim());
            Assert.True(await page.Locator("#call-answer").IsDisabledAsync());
            Assert.True(await page.Locator("#call-hangup").IsDisabledAsync());
            Assert.Null(caller.FinalStatus); // the caller still waits in the queue
            await page.Locator("#agent-state[data-state='notReady']").WaitForAsync(); // a declined offer sets the agent not ready

            await page.GetByRole(AriaRole.Button, new() { Name = "关闭弹屏" }).ClickAsync();
            await page.Locator("#screen-pop").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        }
        finally
        {
            await caller.EndAsync("12328");
            await LogOutAgentAsync(page);
        }
    }

    [Fact]
    public async Task A_refused_command_is_explained_in_words_the_agent_can_act_on()
    {
        await using var phone = new SipPhone(site.SipEndPoint, CallCenterSite.Extension);
        await phone.RegisterAsync(CallCenterSite.ExtensionPassword);
        var page = await OpenWorkbenchReadyAsync();
        await using var caller = new SipPhone(site.SipEndPoint, Caller);
        try
        {
            await caller.CallHotlineAsync("12328", '2');
            await page.Locator("#pop-state[data-state='ringing']").WaitForAsync(new() { Timeout = 30_000 });
            var leg = Assert.Single(phone.Offered);

            // The agent clicks 应答 just as the team lead ends the call: the answer reaches the server after the call is gone.
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.RouteAsync("**/api/v1/cti/calls/*/answer", async route =>
            {
                await release.Task;
                await route.ContinueAsync();
            });
            await page.GetByRole(AriaRole.Button, new() { Name = "应答" }).ClickAsync();
            await page.Locator("#call-busy").WaitForAsync(new() { State = WaitForSelectorState.Visible });
            var lead = await SignInAsync("lead1");
            var ended = await lead.Context.APIRequest.PostAsync($"/api/v1/cti/calls/{Uri.EscapeDataString(caller.CallId)}/hangup");
            Assert.Equal(202, ended.Status); // a team lead may end any call
            Assert.True(await Poll(() => phone.Saw("CANCEL", leg)), "no CANCEL at the agent's phone");
            release.SetResult();

            await page.Locator("#call-error", new() { HasTextString = "这通电话已经结束" }).WaitForAsync();
            Assert.StartsWith("操作未完成", (await page.Locator("#call-error").InnerTextAsync()).Trim(), StringComparison.Ordinal);
            await page.Locator("#pop-state[data-state='ended']").WaitForAsync();
            await page.Locator("#call-busy").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        }
        finally
        {
            await caller.EndAsync("12328");
            await LogOutAgentAsync(page);
        }
    }

    [Fact]
    public async Task In_english_the_pop_has_answer_and_hang_up_which_wait_for_a_call()
    {
        var page = await SignInAsync("agent1");
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Agent workbench" }).First.ClickAsync();
        await page.WaitForURLAsync(WorkbenchUrl());
        await page.Locator("#hub-status[data-status='connected']").WaitForAsync();

        // The pop is hidden until a call rings; its controls are there, in English, and wait for one.
        Assert.True(await page.Locator("#screen-pop").IsHiddenAsync());
        Assert.Equal("Call controls", await page.Locator(".call-buttons").GetAttributeAsync("aria-label"));
        Assert.Equal("Answer", (await page.Locator("#call-answer").TextContentAsync())?.Trim());
        Assert.Equal("Hang up", (await page.Locator("#call-hangup").TextContentAsync())?.Trim());
        Assert.True(await page.Locator("#call-answer").IsDisabledAsync());
        Assert.True(await page.Locator("#call-hangup").IsDisabledAsync());
        Assert.Equal("Talk time", (await page.Locator("#pop-talk-time").Locator("xpath=preceding-sibling::dt[1]").TextContentAsync())?.Trim());
        using var text = System.Text.Json.JsonDocument.Parse(await page.Locator("#workbench-text").TextContentAsync() ?? "{}");
        Assert.Equal("This call has already ended.", text.RootElement.GetProperty("CallError.cti.call_not_found").GetString());
        Assert.StartsWith("Your role may not act on calls", text.RootElement.GetProperty("CallError.cti.not_call_staff").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A new page signed in as <paramref name="user"/>, on the staff home page.</summary>
    private async Task<IPage> SignInAsync(string user)
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("用户名").FillAsync(user);
        await page.GetByLabel("密码").FillAsync(CallCenterSite.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(StaffUrl());
        return page;
    }

    /// <summary>agent1's workbench, connected to the hub, with the agent ready for calls.</summary>
    private async Task<IPage> OpenWorkbenchReadyAsync()
    {
        var page = await SignInAsync("agent1");
        await page.GotoAsync("/staff/workbench");

        // The hub's first connection can wait on a cold, shared CI box (negotiate, then WebSockets): longer than an element.
        await page.Locator("#hub-status[data-status='connected']").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator("#agent-state:not([data-state=''])").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "就绪" }).ClickAsync();
        await page.Locator("#agent-state[data-state='ready']").WaitForAsync();
        return page;
    }

    /// <summary>Leaves agent1 logged out, as the next test expects to find them.</summary>
    private static async Task LogOutAgentAsync(IPage page)
    {
        var csrf = await page.Locator("meta[name='csrf-token']").GetAttributeAsync("content");
        var response = await page.Context.APIRequest.PutAsync($"/api/v1/cti/agents/{CallCenterSite.Extension}/state", new()
        {
            DataObject = new { state = "loggedOut" },
            Headers = new Dictionary<string, string> { ["RequestVerificationToken"] = csrf ?? string.Empty },
        });
        Assert.Equal(204, response.Status);
    }

    /// <summary>Polls a condition (the phones' view of SIP) for up to 20 s.</summary>
    private static async Task<bool> Poll(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Notes (in the page) when the screen pop first becomes visible.</summary>
    private const string PopClock = """
        () => {
            const pop = document.getElementById("screen-pop");
            window.popShownAt = 0;
            new MutationObserver(() => { if (!pop.hidden && !window.popShownAt) { window.popShownAt = Date.now(); } })
                .observe(pop, { attributes: true, attributeFilter: ["hidden"] });
        }
        """;

    [GeneratedRegex("/staff$")]
    private static partial Regex StaffUrl();

    [GeneratedRegex("/staff/workbench$")]
    private static partial Regex WorkbenchUrl();

    [GeneratedRegex("/staff/cases/phone\\?")]
    private static partial Regex IntakeUrl();

    [GeneratedRegex(@"^recordings/\d{8}/[A-Za-z0-9_-]+\.wav$")]
    private static partial Regex RecordingId();

    [GeneratedRegex(@"^(\d+:)?\d{2}:\d{2}$")]
    private static partial Regex TalkTime();
}

/// <summary>
/// A city (深圳, in-process on a free loopback port) whose call center listens for SIP on a free loopback UDP port,
/// with agent1 bound to extension 8001; agents start logged out when their phone registers. Pages in zh-CN.
/// </summary>
public sealed class CallCenterSite : MunicipalSite
{
    public const string Extension = "8001";
    public const string ExtensionPassword = "Workbench-8001-secret";

    public IPEndPoint SipEndPoint { get; } = new(IPAddress.Loopback, FreeUdpPort());

    protected override string Locale => "zh-CN";

    protected override void ConfigureCity(IWebHostBuilder builder)
    {
        base.ConfigureCity(builder);
        builder.UseSetting("Sip:Udp", SipEndPoint.ToString());
        builder.UseSetting("Sip:Tcp", string.Empty);
        builder.UseSetting("Sip:Realm", "440300.12328.local");
        // The lane's test phone calls 12328 in an early dialog (183, digit by INFO, CANCEL): the IVR's early-media mode.
        // The launched lane (Launched/) calls the default mode, where the IVR answers.
        builder.UseSetting("Sip:IvrAnswer", "EarlyMedia");
        builder.UseSetting("Sip:Extensions:0:Extension", Extension);
        builder.UseSetting("Sip:Extensions:0:Password", ExtensionPassword);
        builder.UseSetting("Sip:AgentsReadyOnRegister", "false");
        builder.UseSetting("Sip:RingTimeoutSeconds", "120");
        builder.UseSetting("Sip:RtpTimeoutSeconds", "600"); // the test phones send no audio while "talking"
        builder.UseSetting("AgentExtensions:Agents:0:User", "agent1");
        builder.UseSetting("AgentExtensions:Agents:0:Extension", Extension);
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
