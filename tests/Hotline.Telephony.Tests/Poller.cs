using System.Diagnostics;

namespace Hotline.Telephony.Tests;

/// <summary>Polls a condition until it holds; fails the test with a timeout otherwise (no fixed sleeps).</summary>
internal static class Poller
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string? what = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException("timed out waiting for " + (what ?? "the condition"));
            }

            await Task.Delay(20);
        }
    }
}
