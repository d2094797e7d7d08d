using System.Collections.Concurrent;
using Hotline.Directory.Contracts;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// Beats received from children, waiting to go up with this node's next beat. Only the newest per node is kept: a
/// heartbeat is a statement about now, so a lost one is replaced by the next, never replayed.
/// </summary>
internal sealed class HeartbeatRelay
{
    private readonly ConcurrentDictionary<string, NodeHeartbeat> _pending = new(StringComparer.Ordinal);

    public void Enqueue(NodeHeartbeat beat) =>
        _pending.AddOrUpdate(beat.Id, beat, (_, existing) => existing.SentAt > beat.SentAt ? existing : beat);

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
