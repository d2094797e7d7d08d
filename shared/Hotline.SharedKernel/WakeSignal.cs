using System.Threading.Channels;

namespace Hotline.SharedKernel;

/// <summary>
/// An auto-reset event with memory for one waiting reader (唤醒信号): <see cref="Raise"/> wakes the reader, and a signal
/// raised while nobody waits is kept (once), so a raise between the reader's last check and its next wait is never missed.
/// </summary>
public sealed class WakeSignal
{
    private readonly Channel<bool> _raised = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    /// <summary>Wakes the reader (or leaves the signal set for its next wait).</summary>
    public void Raise() => _raised.Writer.TryWrite(true);

    /// <summary>Returns when the signal is raised (consuming it) or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_raised.Reader.TryRead(out _))
        {
            return;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _raised.Reader.WaitToReadAsync(timer.Token).ConfigureAwait(false);
            _raised.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: the reader looks for itself (fallback for writers that do not raise).
        }
    }
}
