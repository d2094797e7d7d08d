using Hotline.Federation.Contracts;
using Hotline.SharedKernel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Routing;

/// <summary>A message that cannot be routed or applied; Wolverine moves it to the dead letters with this reason.</summary>
internal sealed class FederationRejectedException(string reason) : Exception(reason);

/// <summary>The Wolverine endpoint names of this node's neighbours and its own inbound queue.</summary>
internal static class FederationEndpoints
{
    /// <summary>The durable local queue every inbound federation message lands in.</summary>
    public const string InboundQueue = "federation";

    /// <summary>The durable endpoint that sends to neighbour <paramref name="nodeId"/>.</summary>
    public static string PeerEndpointName(string nodeId) => "peer-" + nodeId;

    /// <summary>The RabbitMQ queue a node listens on (<c>Federation:RabbitQueuePrefix</c> + node id).</summary>
    public static string RabbitQueue(string prefix, string nodeId) => prefix + nodeId;
}

/// <summary>Forwards a routed message one hop along the tree through the neighbour's durable endpoint.</summary>
internal sealed partial class NextHopSender(IOptions<NodeOptions> node, ILogger<NextHopSender> logger)
{
    private readonly NodeOptions _node = node.Value;

    /// <summary>This node's id.</summary>
    public string Self => _node.Id;

    /// <summary>True when the message's final target is this node.</summary>
    public bool IsForMe(IRoutedMessage message) => TreeRouter.NextHop(_node, message.TargetNode).Kind == HopKind.Local;

    /// <summary>
    /// Sends <paramref name="message"/> to the next hop (durable outbox of the current message context). Throws
    /// <see cref="FederationRejectedException"/> when there is no route, so the message is dead-lettered with a reason.
    /// </summary>
    public async ValueTask ForwardAsync(IMessageBus bus, IRoutedMessage message)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(message);
        var hop = TreeRouter.NextHop(_node, message.TargetNode);
        switch (hop.Kind)
        {
            case HopKind.Parent:
            case HopKind.Child:
                LogForward(logger, message.GetType().Name, message.CaseNumber, _node.Id, hop.NodeId!, message.TargetNode);
                await bus.EndpointFor(FederationEndpoints.PeerEndpointName(hop.NodeId!)).SendAsync(message);
                break;
            case HopKind.Local:
                throw new InvalidOperationException("A message for this node is applied, not forwarded.");
            default:
                throw new FederationRejectedException(
                    $"No route from node {_node.Id} to target node '{message.TargetNode}' for {message.GetType().Name} {message.CaseNumber}.");
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Forwarding {MessageType} {CaseNumber}: {Self} → {NextHop} (target {Target})")]
    private static partial void LogForward(ILogger logger, string messageType, string caseNumber, string self, string nextHop, string target);
}
