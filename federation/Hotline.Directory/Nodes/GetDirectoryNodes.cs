using Hotline.Directory.Contracts;
using Hotline.Directory.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Directory.Nodes;

/// <summary>
/// The nodes this node knows (the national node: the whole federation; a province: itself and its cities), each marked
/// <c>online</c> or <c>stale</c> (no beat for <see cref="DirectoryOptions.StaleAfter"/>).
/// </summary>
internal sealed class GetDirectoryNodesHandler(
    DirectoryDbContext db,
    IOptions<NodeOptions> node,
    IOptions<DirectoryOptions> options,
    TimeProvider clock) : IDirectoryNodes
{
    public const string Online = "online";
    public const string Stale = "stale";

    public async Task<DirectoryListing> HandleAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var staleBefore = (now - options.Value.StaleAfter).ToUnixTimeMilliseconds();
        var entries = await db.Nodes.AsNoTracking().ToListAsync(cancellationToken);
        var nodes = entries
            .OrderBy(e => TierOrder(e.Tier)).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => new DirectoryNode(
                e.Id, e.Name, e.Tier, e.Parent, e.PublicUrl,
                e.SipUdp is null && e.SipTcp is null ? null : new SipEndpoints(e.SipUdp, e.SipTcp, e.SipHotline),
                e.Version, DateTimeOffset.FromUnixTimeMilliseconds(e.LastSeenMs),
                e.LastSeenMs >= staleBefore ? Online : Stale, e.GrpcUrl))
            .ToList();
        return new DirectoryListing(node.Value.Id, now, nodes);
    }

    private static int TierOrder(string tier) => tier switch
    {
        "national" => 0,
        "provincial" => 1,
        _ => 2,
    };
}
