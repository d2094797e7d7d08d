using Microsoft.Playwright;

namespace Hotline.Browser.Tests;

/// <summary>Debian's chromium for Playwright: never downloaded, headless, with no calls to Google's services (the
/// machine's network is closed and would refuse them by the dozen).</summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
}
