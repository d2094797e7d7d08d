using Hotline.Directory;
using Hotline.Directory.Contracts;
using Hotline.Directory.Heartbeats;
using Hotline.Federation.Routing;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Bus;

/// <summary>
/// 心跳 arriving over the bus from a child: hands the beat to the directory with the sender the transport
/// authenticated (<see cref="InboundPeer"/>), never the id the beat claims. The directory keeps the scope rules (a node
/// accepts only its subtree; a neighbour speaks for itself or, a province, for its cities) and ignores a beat that is
/// not newer than the one it has, so redelivery and any order are harmless. A refused beat is logged and dropped — it
/// completes and is never retried. A beat past its deliver-by (<see cref="DirectoryOptions.HeartbeatExpiry"/>) is
/// discarded by Wolverine before it gets here. Public only because Wolverine's generated code calls it.
/// </summary>
public sealed partial class NodeHeartbeatHandler(
    IDirectoryHeartbeats directory,
    IOptions<FederationOptions> federation,
    ILogger<NodeHeartbeatHandler> logger)
{
    /// <summary>Handles <see cref="NodeHeartbeat"/>.</summary>
    public async Task Handle(NodeHeartbeat beat, Envelope envelope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(beat);
        ArgumentNullException.ThrowIfNull(envelope);
        var sender = InboundPeer.SenderOf(envelope, federation.Value.Transport);
        if (sender is null)
        {
            LogNoSender(logger, beat.Id, envelope.Source ?? "?");
            return;
        }

        var result = await directory.RecordAsync(beat, sender, ct);
        if (!result.IsSuccess)
        {
            LogRefused(logger, beat.Id, sender, result.Error!.Code, result.Error.Message);
        }
    }

    [LoggerMessage(EventId = 4140, Level = LogLevel.Warning, Message = "Directory: heartbeat of {NodeId} (source {Source}) came without an authenticated sender; dropped")]
    private static partial void LogNoSender(ILogger logger, string nodeId, string source);

    [LoggerMessage(EventId = 4141, Level = LogLevel.Warning, Message = "Directory: heartbeat of {NodeId} from {Sender} refused ({Code}: {Reason}); dropped")]
    private static partial void LogRefused(ILogger logger, string nodeId, string sender, string code, string reason);
}

/// <summary>
/// The directory's way up over the federation bus: each beat goes to the parent's durable peer endpoint (declared at
/// start-up, the same one cases travel by) with deliver-by = its <see cref="NodeHeartbeat.SentAt"/> +
/// <see cref="DirectoryOptions.HeartbeatExpiry"/>. A relayed beat keeps its child's clock, so a beat is worthless
/// 3 intervals after it was sent wherever it is on the way; one already past that is not sent at all.
/// </summary>
internal sealed partial class BusHeartbeatUplink(
    IServiceScopeFactory scopes,
    IOptions<NodeOptions> node,
    IOptions<DirectoryOptions> directory,
    IOptions<FederationOptions> federation,
    IOptions<PeerNodesOptions> peers,
    TimeProvider clock,
    ILogger<BusHeartbeatUplink> logger) : IHeartbeatUplink
{
    private int _noEndpointLogged;

    public async Task<bool> SendAsync(NodeHeartbeat beat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beat);
        var parent = node.Value.Parent;
        if (string.IsNullOrEmpty(parent))
        {
            return false;
        }

        if (!HasEndpoint(parent))
        {
            if (Interlocked.Exchange(ref _noEndpointLogged, 1) == 0)
            {
                LogNoEndpoint(logger, parent);
            }

            return false;
        }

        var deliverBy = beat.SentAt + directory.Value.HeartbeatExpiry;
        if (deliverBy <= clock.GetUtcNow())
        {
            LogExpired(logger, beat.Id, parent);
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        await bus.EndpointFor(FederationEndpoints.PeerEndpointName(parent))
            .SendAsync(beat, new DeliveryOptions { DeliverBy = deliverBy });
        return true;
    }

    /// <summary>Whether the parent's peer endpoint was declared (HTTP: a <c>Federation:Peers</c> entry with a URL).</summary>
    private bool HasEndpoint(string parent) =>
        federation.Value.Transport == FederationTransport.RabbitMq
        || peers.Value.Peers.Any(p => p.Id == parent && Uri.TryCreate(p.Url, UriKind.Absolute, out _));

    [LoggerMessage(EventId = 4142, Level = LogLevel.Warning, Message = "Directory: no federation peer endpoint for parent {Parent} (Federation:Peers); heartbeats are not sent")]
    private static partial void LogNoEndpoint(ILogger logger, string parent);

    [LoggerMessage(EventId = 4143, Level = LogLevel.Debug, Message = "Directory: heartbeat of {NodeId} expired before it could go to {Parent}; not sent")]
    private static partial void LogExpired(ILogger logger, string nodeId, string parent);
}

/// <summary>
/// Stands in when the host composes the federation module without the directory module: beats from children are
/// dropped with a warning (the handler needs an <see cref="IDirectoryHeartbeats"/> to exist).
/// </summary>
internal sealed partial class NoDirectoryHeartbeats(ILogger<NoDirectoryHeartbeats> logger) : IDirectoryHeartbeats
{
    public Task<Result<Unit>> RecordAsync(NodeHeartbeat beat, string senderNodeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beat);
        LogNoDirectory(logger, beat.Id, senderNodeId);
        return Task.FromResult(Result.Ok());
    }

    [LoggerMessage(EventId = 4144, Level = LogLevel.Warning, Message = "Directory: heartbeat of {NodeId} from {Sender} dropped: this node runs no directory module")]
    private static partial void LogNoDirectory(ILogger logger, string nodeId, string sender);
}
