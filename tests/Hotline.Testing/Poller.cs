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

    /// <summary>An in-memory condition, polled every 20 ms (cheap to read, and a count passing a value is not missed).</summary>
    public static Task UntilAsync(Func<bool> probe, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(probe()), timeout, what, InMemory);

    /// <summary>The first non-null value of an in-memory read (every 20 ms), or a timeout naming <paramref name="what"/>.</summary>
    public static Task<T> ValueAsync<T>(Func<T?> get, TimeSpan timeout, string what)
        where T : class => UntilAsync(() => Task.FromResult(get()), timeout, what, InMemory);

    /// <summary>
    /// Whether an in-memory condition held within <paramref name="timeout"/> (polled every 20 ms), for a test that
    /// builds its own failure message from what it sees at that moment (a peer's output, the events so far).
    /// </summary>
    public static async Task<bool> HoldsWithinAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(InMemory);
        }

        return condition();
    }

    private static readonly TimeSpan InMemory = TimeSpan.FromMilliseconds(20);
}
