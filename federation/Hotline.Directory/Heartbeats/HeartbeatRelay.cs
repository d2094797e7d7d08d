using System.Collections.Concurrent;
using System.Threading.Channels;
using Hotline.Directory.Contracts;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// Beats received from children, waiting to go up with this node's next beat. Only the newest per node is kept: a
/// heartbeat is a statement about now, so a lost one is replaced by the next, never replayed.
/// </summary>
internal sealed class HeartbeatRelay
{
    private readonly ConcurrentDictionary<string, NodeHeartbeat> _pending = new(StringComparer.Ordinal);

    // A doorbell: one pending ring is enough, the sender drains everything when it answers.
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(NodeHeartbeat beat)
    {
        _pending.AddOrUpdate(beat.Id, beat, (_, existing) => existing.SentAt > beat.SentAt ? existing : beat);
        _doorbell.Writer.TryWrite(true);
    }

    /// <summary>Completes when something was enqueued since the last call.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken) =>
        await _doorbell.Reader.ReadAsync(cancellationToken);

    /// <summary>Takes everything pending.</summary>
    public IReadOnlyList<NodeHeartbeat> Drain()
    {
        var taken = new List<NodeHeartbeat>();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var beat))
            {
                taken.Add(beat);
            }
        }

        return taken;
    }
}
