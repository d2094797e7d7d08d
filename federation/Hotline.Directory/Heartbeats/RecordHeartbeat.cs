using Hotline.Directory.Contracts;
using Hotline.Directory.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// Stores a heartbeat in this node's directory and, below the national node, queues it for relay to the parent.
/// A node accepts beats only from its own subtree: the national node from anyone but itself, a province from its cities;
/// a relaying neighbour may only speak for itself or its own children.
/// </summary>
internal sealed partial class RecordHeartbeatHandler(
    DirectoryDbContext db,
    IOptions<NodeOptions> node,
    HeartbeatRelay relay,
    TimeProvider clock,
    ILogger<RecordHeartbeatHandler> logger)
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A beat that arrived from a neighbour, <paramref name="senderId"/> being the node its token names.</summary>
    public async Task<Result<Unit>> HandleAsync(NodeHeartbeat beat, string? senderId, CancellationToken cancellationToken)
    {
        if (senderId is null)
        {
            return Error.Forbidden("directory.not_a_node", "Only a node's own client (node-<id>) may send heartbeats.");
        }

        var invalid = Validate(beat);
        if (invalid is not null)
        {
            return invalid;
        }

        var self = node.Value;
        var inSubtree = self.Tier switch
        {
            NodeTier.National => beat.Id != self.Id,
            NodeTier.Provincial => beat.Id != self.Id && RegionCode.ProvinceOf(beat.Id) == self.Id,
            _ => false,
        };
        if (!inSubtree)
        {
            return Error.Forbidden("directory.outside_subtree", $"Node {beat.Id} is not below {self.Id}.");
        }

        if (senderId != beat.Id
            && !(RegionCode.IsProvince(senderId) && RegionCode.ProvinceOf(beat.Id) == senderId))
        {
            return Error.Forbidden("directory.not_your_node", $"Node {senderId} may not report for {beat.Id}.");
        }

        await StoreAsync(beat, senderId, cancellationToken);
        if (!string.IsNullOrEmpty(self.Parent))
        {
            relay.Enqueue(beat);
        }

        return Result.Ok();
    }

    /// <summary>This node's own beat, recorded locally (every node lists itself).</summary>
    public Task RecordOwnAsync(NodeHeartbeat beat, CancellationToken cancellationToken) =>
        StoreAsync(beat, beat.Id, cancellationToken);

    private async Task StoreAsync(NodeHeartbeat beat, string? reportedBy, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var sentAt = beat.SentAt.ToUnixTimeMilliseconds();
        var entry = await db.Nodes.FindAsync([beat.Id], cancellationToken);
        if (entry is null)
        {
            entry = new DirectoryEntry { Id = beat.Id };
            db.Nodes.Add(entry);
            LogNodeJoined(logger, beat.Id, beat.Name, beat.PublicUrl);
        }
        else if (sentAt <= entry.SentAtMs)
        {
            // A redelivered beat (same SentAt) or one overtaken by a newer one (any order on the bus): nothing to learn
            // from it, and it must not move "last seen" — the node may have gone quiet since.
            return;
        }

        entry.Name = beat.Name;
        entry.Tier = beat.Tier.ToLowerInvariant();
        entry.Parent = beat.Parent;
        entry.PublicUrl = beat.PublicUrl;
        entry.SipUdp = beat.SipEndpoints?.Udp;
        entry.SipTcp = beat.SipEndpoints?.Tcp;
        entry.SipHotline = beat.SipEndpoints?.Hotline;
        entry.GrpcUrl = beat.GrpcUrl;
        entry.Version = beat.Version;
        entry.SentAtMs = sentAt;
        entry.LastSeenMs = now;
        entry.ReportedBy = reportedBy;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two beats of a new node raced to insert it; the other one won, which is just as good.
            db.ChangeTracker.Clear();
        }
    }

    private Error? Validate(NodeHeartbeat beat)
    {
        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!RegionCode.IsValid(beat.Id))
        {
            fields["id"] = ["Must be a 6-digit region code."];
        }

        if (string.IsNullOrWhiteSpace(beat.Name) || beat.Name.Length > 100)
        {
            fields["name"] = ["Required, at most 100 characters."];
        }

        if (beat.Tier?.ToLowerInvariant() is not ("national" or "provincial" or "municipal"))
        {
            fields["tier"] = ["Must be national, provincial or municipal."];
        }

        if (beat.Parent is not null && !RegionCode.IsValid(beat.Parent))
        {
            fields["parent"] = ["Must be a 6-digit region code."];
        }

        if (beat.PublicUrl is not null
            && (!Uri.TryCreate(beat.PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            fields["publicUrl"] = ["Must be an absolute http(s) URL."];
        }

        if (beat.GrpcUrl is not null
            && (beat.GrpcUrl.Length > 300 || !Uri.TryCreate(beat.GrpcUrl, UriKind.Absolute, out var grpc)
                || grpc.Scheme is not ("http" or "https")))
        {
            fields["grpcUrl"] = ["Must be an absolute http(s) URL of at most 300 characters."];
        }

        if (string.IsNullOrWhiteSpace(beat.Version) || beat.Version.Length > 100)
        {
            fields["version"] = ["Required, at most 100 characters."];
        }

        if (beat.SentAt > clock.GetUtcNow() + MaxClockSkew)
        {
            fields["sentAt"] = ["Lies in the future."];
        }

        return fields.Count == 0 ? null : Error.Validation(fields);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Directory: node {NodeId} {Name} joined at {Url}")]
    private static partial void LogNodeJoined(ILogger logger, string nodeId, string name, string? url);
}
