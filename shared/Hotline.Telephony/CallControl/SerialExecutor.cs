using System.Collections.Concurrent;

namespace Hotline.Telephony.CallControl;

/// <summary>
/// A per-call actor mailbox: work items run one at a time in order on the thread pool, so a call's state needs no lock
/// and different calls never wait for each other.
/// </summary>
internal sealed class SerialExecutor(Action<Exception> onError)
{
    private readonly ConcurrentQueue<Func<Task>> _queue = new();
    private int _running;

    public void Post(Action work) => Post(() =>
    {
        work();
        return Task.CompletedTask;
    });

    public void Post(Func<Task> work)
    {
        _queue.Enqueue(work);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Drain(), this, preferLocal: false);
        }
    }

    private async Task Drain()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var work))
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var measured = false;
                try
                {
                    var pending = work();
                    EngineCounters.AddActor(started); // the synchronous part: what the item costs this thread
                    measured = true;
                    await pending.ConfigureAwait(false);
                }
#pragma warning disable CA1031 // the actor must survive a failing work item
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    onError(ex);
                }
                finally
                {
                    if (!measured)
                    {
                        EngineCounters.AddActor(started);
                    }
                }
            }

            Volatile.Write(ref _running, 0);
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
