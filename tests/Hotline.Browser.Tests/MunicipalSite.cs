using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Hotline.Browser.Tests;

/// <summary>
/// A municipal node on a real loopback socket (Kestrel, free port) and Debian's chromium driven by Playwright. The
/// browser is never downloaded: Playwright's bundled node driver talks to /usr/bin/chromium.
/// </summary>
public sealed class MunicipalSite : IAsyncLifetime
{
    public const string DemoPassword = "Browser-Passw0rd-7";
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hotline-browser-tests", Guid.NewGuid().ToString("N"));
    private Factory? _factory;
    private IPlaywright? _playwright;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _factory = new Factory(_dataDirectory);
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First());

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    /// <summary>A fresh browser context (own cookies) with the site as base URL.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), Locale = "en-US" });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private sealed class Factory(string dataDirectory) : WebApplicationFactory<Hotline.Municipal.Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Node:Id", "440300");
            builder.UseSetting("Node:Name", "深圳市");
            builder.UseSetting("Node:Tier", "Municipal");
            builder.UseSetting("Node:Parent", "440000");
            builder.UseSetting("Storage:DataDirectory", dataDirectory);
            builder.UseSetting("Logging:Format", "simple");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Identity:Demo:Enabled", "true");
            builder.UseSetting("Identity:Demo:Password", DemoPassword);
        }
    }
}
