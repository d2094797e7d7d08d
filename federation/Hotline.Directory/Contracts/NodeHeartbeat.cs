using Wolverine.Attributes;

namespace Hotline.Directory.Contracts;

/// <summary>
/// 心跳 — a node says it is alive. Every node sends its own to its parent every few seconds over the federation bus
/// (wire name <c>node-heartbeat.V1</c>, expiring <see cref="DirectoryOptions.HeartbeatExpiry"/> after
/// <see cref="SentAt"/>); a province relays its own and its children's to the national node, which keeps the live
/// directory. Tiers are <c>national</c>, <c>provincial</c>, <c>municipal</c>. <see cref="GrpcUrl"/> (the node's public
/// h2c address for 上级调阅, absent when it has none) was added later: senders that omit it are still understood.
/// </summary>
[MessageIdentity("node-heartbeat", Version = 1)]
public sealed record NodeHeartbeat(
    string Id,
    string Name,
    string Tier,
    string? Parent,
    string? PublicUrl,
    SipEndpoints? SipEndpoints,
    string Version,
    DateTimeOffset SentAt,
    string? GrpcUrl = null);

/// <summary>Where a node with a call center takes SIP (<c>host:port</c> per transport) and its hotline number.</summary>
public sealed record SipEndpoints(string? Udp, string? Tcp, string? Hotline);

/// <summary>
/// One node as the directory knows it. <c>Status</c> is <c>online</c> or <c>stale</c> (3 missed beats);
/// <c>GrpcUrl</c> is the node's h2c address for 上级调阅 as its last beat gave it (the gateway routes gRPC by it).
/// </summary>
public sealed record DirectoryNode(
    string Id,
    string Name,
    string Tier,
    string? Parent,
    string? PublicUrl,
    SipEndpoints? SipEndpoints,
    string Version,
    DateTimeOffset LastSeen,
    string Status,
    string? GrpcUrl = null);

/// <summary>The answer of <c>GET /api/v1/directory/nodes</c>.</summary>
public sealed record DirectoryListing(string ReportedBy, DateTimeOffset GeneratedAt, IReadOnlyList<DirectoryNode> Nodes);

/// <summary>The answer of <c>GET /api/v1/node</c>: who this node is.</summary>
public sealed record NodeInfo(string Id, string Name, string Tier, string? Parent);
