using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hotline.Testing;

/// <summary>
/// Starts child processes from one dedicated thread that lives as long as the test process. Linux ties
/// <c>setpriv --pdeathsig</c> to the parent <em>thread</em>: a child forked from a thread-pool thread is killed when the
/// pool retires that thread — which a loaded machine's pool does at any time, killing a node in the middle of a test.
/// </summary>
public static class Spawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];

    static Spawner()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "hotline-test-spawner" };
        thread.Start();
    }

    /// <summary>Starts <paramref name="info"/> on the spawner thread and returns the running process.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static void Run()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start."));
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                started.SetException(ex);
            }
        }
    }
}
