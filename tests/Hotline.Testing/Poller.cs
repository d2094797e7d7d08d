using System.Diagnostics;

namespace Hotline.Testing;

/// <summary>Waits for an eventually consistent result: polls until the probe succeeds or the timeout passes.</summary>
public static class Poller
{
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, TimeSpan? interval = null)
        where T : class
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                var value = await probe();
                if (value is not null)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException
                                           or System.Text.Json.JsonException)
            {
                last = ex;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}." +
                                   (last is null ? string.Empty : $" Last error: {last.Message}"));
    }

    public static Task UntilAsync(Func<Task<bool>> probe, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        UntilAsync(async () => await probe() ? string.Empty : null, timeout, what, interval);

    public static Task UntilAsync(Func<bool> probe, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(probe()), timeout, what);
}
