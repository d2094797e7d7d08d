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
public class MunicipalSite : IAsyncLifetime
{
    public const string DemoPassword = "Browser-Passw0rd-7";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hotline-browser-tests", Guid.NewGuid().ToString("N"));
    private Factory? _factory;
    private IPlaywright? _playwright;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _factory = new Factory(ConfigureCity);
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First());

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
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned by the OS.
        }
    }

    /// <summary>A fresh browser context (own cookies) with the site as base URL.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), Locale = Locale });
        context.SetDefaultTimeout(15_000);

        // Navigations (a sign-in's redirect, a first page) can wait on the host's first compile of a page on a cold
        // 2-core CI box while the other fixture and its chromium start too: give them longer than element waits.
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>The browser's language (Accept-Language) for new pages.</summary>
    protected virtual string Locale => "en-US";

    /// <summary>The city's settings: 深圳 with demo users on a private data folder.</summary>
    protected virtual void ConfigureCity(IWebHostBuilder builder)
    {
        builder.UseSetting("Node:Id", "440300");
        builder.UseSetting("Node:Name", "深圳市");
        builder.UseSetting("Node:Tier", "Municipal");
        builder.UseSetting("Node:Parent", "440000");
        builder.UseSetting("Storage:DataDirectory", _dataDirectory);
        builder.UseSetting("Logging:Format", "simple");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Identity:Demo:Enabled", "true");
        builder.UseSetting("Identity:Demo:Password", DemoPassword);
    }

    private sealed class Factory(Action<IWebHostBuilder> configure) : WebApplicationFactory<Hotline.Municipal.Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) => configure(builder);
    }
}
