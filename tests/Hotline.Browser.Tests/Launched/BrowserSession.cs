using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests.Launched;

/// <summary>
/// One page of a test on the launched federation. It records what the browser console would show (messages, uncaught
/// page errors, failed requests, answers of 400 and above) and every stylesheet and script the page loaded, so a test
/// can say "this page has its styles and scripts" from what the browser actually received.
/// </summary>
public sealed class BrowserSession
{
    private readonly ConcurrentQueue<string> _console = new();
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<IResponse> _assets = new();
    private readonly LaunchedFederation _federation;

    public BrowserSession(LaunchedFederation federation, IPage page)
    {
        _federation = federation;
        Page = page;
        page.Console += (_, message) => _console.Enqueue($"[{message.Type}] {message.Text} ({message.Location})");
        page.PageError += (_, error) =>
        {
            _pageErrors.Enqueue(error);
            _console.Enqueue("[pageerror] " + error);
        };
        page.RequestFailed += (_, request) => _console.Enqueue($"[requestfailed] {request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                _console.Enqueue($"[{response.Status}] {response.Request.Method} {response.Url}");
            }

            if (response.Request.ResourceType is "stylesheet" or "script")
            {
                _assets.Enqueue(response);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Everything the console would have shown, in order.</summary>
    public IReadOnlyList<string> Console => [.. _console];

    /// <summary>Opens <paramref name="url"/> and waits until it and its assets have loaded.</summary>
    public async Task GotoAsync(Uri url)
    {
        var response = await Page.GotoAsync(url.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.True(response is { Ok: true }, $"GET {url} answered {response?.Status}");
    }

    /// <summary>
    /// Asserts that the page in view has its styles and scripts: every stylesheet and script element was fetched with a
    /// 200 and a body that is not empty (with a CSS or JavaScript type), the shared stylesheet is applied (the top bar
    /// has the site's accent colour, which an unstyled page lacks), and no script threw.
    /// </summary>
    public async Task AssertStyledAndScriptedAsync()
    {
        var wanted = await Page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')].map(e => e.href || e.src)");
        Assert.NotEmpty(wanted);
        var received = _assets.ToArray();
        foreach (var url in wanted)
        {
            var response = received.LastOrDefault(r => r.Url == url);
            Assert.True(response is not null, $"the page asks for {url}, but the browser fetched no such asset");
            Assert.Equal(200, response.Status);
            var body = await response.BodyAsync();
            Assert.True(body.Length > 0, $"{url} arrived empty (Content-Length {response.Headers.GetValueOrDefault("content-length")})");
            var type = response.Headers.GetValueOrDefault("content-type") ?? string.Empty;
            Assert.True(type.StartsWith("text/css", StringComparison.Ordinal) || type.Contains("javascript", StringComparison.Ordinal),
                $"{url} has content type '{type}'");
        }

        Assert.Equal("rgb(11, 87, 164)", await Page.EvaluateAsync<string>(
            "() => getComputedStyle(document.querySelector('.topbar')).backgroundColor"));
        Assert.True(_pageErrors.IsEmpty, "scripts threw: " + string.Join(" | ", _pageErrors));
    }

    /// <summary>Signs <paramref name="user"/> in at the site at <paramref name="site"/> (with the demo password) and
    /// waits for the staff home (工作台).</summary>
    public async Task SignInAsync(Uri site, string user)
    {
        await GotoAsync(new Uri(site, "account/login"));
        await Page.GetByLabel("用户名").FillAsync(user);
        await Page.GetByLabel("密码").FillAsync(_federation.DemoPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await Page.WaitForURLAsync(new Uri(site, "staff").ToString());
    }

    /// <summary>Saves the page as <c>docs/screenshots/{name}.png</c> (the current look of a screen, linked from the README)
    /// and as a test artifact, <c>artifacts/test-results/browser/screens/{name}.png</c>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var artifacts = Path.Combine(LaunchedFederation.ArtifactsDirectory, "screens");
        System.IO.Directory.CreateDirectory(LaunchedFederation.ScreenshotsDirectory);
        System.IO.Directory.CreateDirectory(artifacts);
        var png = await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(LaunchedFederation.ScreenshotsDirectory, name + ".png"), FullPage = true });
        await File.WriteAllBytesAsync(Path.Combine(artifacts, name + ".png"), png);
    }
}
