using Microsoft.EntityFrameworkCore;

namespace Hotline.Federation.Persistence;

/// <summary>Delivery counters kept per node: what was applied, what was discarded as a duplicate or as stale.</summary>
internal static class Counters
{
    public const string Applied = "applied";
    public const string Duplicates = "duplicates";
    public const string Forwarded = "forwarded";
    public const string Published = "published";

    /// <summary>Adds <paramref name="by"/> to a counter (caller saves the context).</summary>
    public static async Task IncrementAsync(this FederationDbContext db, string name, long by = 1, CancellationToken ct = default)
    {
        var counter = await db.Counters.FindAsync([name], ct);
        if (counter is null)
        {
            db.Counters.Add(new DeliveryCounter { Name = name, Value = by });
        }
        else
        {
            counter.Value += by;
        }
    }

    /// <summary>All counters as a dictionary.</summary>
    public static async Task<Dictionary<string, long>> ReadCountersAsync(this FederationDbContext db, CancellationToken ct) =>
        await db.Counters.AsNoTracking().ToDictionaryAsync(c => c.Name, c => c.Value, ct);
}
