using Hotline.Directory.Contracts;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// The transport-neutral entry of the directory: whoever receives a <see cref="NodeHeartbeat"/> from a neighbour (the
/// federation bus handler, or the HTTP endpoint) hands it here with the neighbour's node id as the transport
/// authenticated it (its token), never as the beat claims it. Idempotent: a beat that is not newer than the stored
/// one (a redelivery, or overtaken on the way) changes nothing.
/// </summary>
public interface IDirectoryHeartbeats
{
    /// <summary>Stores the beat (and relays it upward below the national node); refuses beats from outside the subtree.</summary>
    Task<Result<Unit>> RecordAsync(NodeHeartbeat beat, string senderNodeId, CancellationToken cancellationToken);
}

internal sealed class DirectoryHeartbeats(IServiceScopeFactory scopes) : IDirectoryHeartbeats
{
    public async Task<Result<Unit>> RecordAsync(NodeHeartbeat beat, string senderNodeId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RecordHeartbeatHandler>()
            .HandleAsync(beat, senderNodeId, cancellationToken);
    }
}
