using System.Net;
using System.Text.Json.Nodes;
using Hotline.Testing;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests.Launched;

/// <summary>
/// The demo federation as a user meets it: the launcher (a real process, <c>--no-build</c>) starts the default topology
/// from the hosts' publish folders — seven processes, the gateway in front — and Debian's chromium, driven by
/// Playwright, opens its pages at the gateway's address. Nothing runs in the test process but the browser's driver.
/// </summary>
public sealed class LaunchedFederation : IAsyncLifetime
{
    /// <summary>Demo history per city in this lane (fewer than the launcher's default keeps the start light).</summary>
    public const int DemoCasesPerCity = 150;

    private IPlaywright? _playwright;

    public LauncherProcess Launcher { get; private set; } = null!;

    public JsonObject Federation { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where a failing test leaves its screenshot and the browser console.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(Repository.Root, "artifacts", "test-results", "browser");

    /// <summary>The current look of each screen, linked from the README.</summary>
    public static string ScreenshotsDirectory { get; } = Path.Combine(Repository.Root, "docs", "screenshots");

    public Uri Gateway => new(Federation["gateway"]!.GetValue<string>());

    public string DemoPassword => Federation["demo"]!["password"]!.GetValue<string>();

    public async Task InitializeAsync()
    {
        Launcher = LauncherProcess.Start(null, null, new Dictionary<string, string>
        {
            ["DemoData__Cases"] = DemoCasesPerCity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Federation = await Launcher.WaitForFederationAsync(TimeSpan.FromMinutes(5));
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Launcher is not null)
        {
            await Launcher.DisposeAsync();
        }
    }

    /// <summary>A node's own address (<c>http</c> in federation.json).</summary>
    public Uri NodeUrl(string id) => new(Node(id)["http"]!.GetValue<string>());

    /// <summary>A node's site behind the gateway: <c>{gateway}/{regionCode}/</c>.</summary>
    public Uri ViaGateway(string id) => new(Gateway, id + "/");

    /// <summary>A city's SIP address (UDP).</summary>
    public IPEndPoint SipEndPoint(string city) => IPEndPoint.Parse(Node(city)["sip"]!["udp"]!.GetValue<string>());

    /// <summary>The digest password of a demo extension.</summary>
    public string ExtensionPassword(string node, string extension) => Federation["demo"]!["extensions"]!.AsArray()
        .Single(e => e!["node"]!.GetValue<string>() == node && e["extension"]!.GetValue<string>() == extension)!["password"]!
        .GetValue<string>();

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh page (own cookies, zh-CN). When it fails, the page's screenshot and the
    /// browser console (messages, page errors, failed requests) are saved as <c>artifacts/test-results/browser/{name}.*</c>.
    /// </summary>
    public async Task RunAsync(string name, Func<BrowserSession, Task> body)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "zh-CN",
            ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(60_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(this, page);
        try
        {
            await body(session);
        }
        catch (Exception)
        {
            System.IO.Directory.CreateDirectory(ArtifactsDirectory);
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory, name + ".png"), FullPage = true });
            }
            catch (PlaywrightException)
            {
                // The page is gone (crashed or closed); the console log below still tells what happened.
            }

            await File.WriteAllLinesAsync(Path.Combine(ArtifactsDirectory, name + ".console.txt"), session.Console);
            throw;
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    private JsonNode Node(string id) => Federation["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == id)!;
}

/// <summary>The lane's one launched federation, shared by its test classes.</summary>
[CollectionDefinition(Name)]
public sealed class LaunchedFederationCollection : ICollectionFixture<LaunchedFederation>
{
    public const string Name = "launched federation";
}
