using Hotline.Analytics.Persistence;
using Hotline.Analytics.Stats;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics.Rollups;

/// <summary>
/// The analytics side of <c>DailyStatsRolledUp</c>: pending days out, received days in (replace the day when the version
/// is newer, in one transaction), scoped by division code — a province takes only its own cities' days, and only from
/// the city itself; the ministry takes a city's day only through the city's province.
/// </summary>
internal sealed partial class DailyStatsExchange(AnalyticsDbContext db, IOptions<NodeOptions> node, IOptions<AnalyticsOptions> options,
    TimeProvider clock, ILogger<DailyStatsExchange> logger) : IDailyStatsExchange
{
    public TimeSpan SendInterval => TimeSpan.FromSeconds(options.Value.RollupIntervalSeconds);

    public async Task<IReadOnlyList<DailyStats>> ReadPendingAsync(int max, CancellationToken ct)
    {
        if (node.Value.Tier == NodeTier.National)
        {
            return [];
        }

        var days = await db.Days.AsNoTracking().Where(d => d.Pending == 1).OrderBy(d => d.UpdatedAt).ThenBy(d => d.Day)
            .Take(Math.Clamp(max, 1, 1_000)).ToListAsync(ct);
        var result = new List<DailyStats>(days.Count);
        foreach (var d in days)
        {
            var cells = await db.Cells.AsNoTracking().Where(c => c.Node == d.Node && c.Day == d.Day).ToListAsync(ct);
            result.Add(new DailyStats(d.Node, d.NodeName, d.Province, d.Day, d.Version, cells.Select(c => new DailyStatsCell(c.Type, c.Category,
                c.CategoryName, c.Channel, c.Enterprise, c.Status, c.Cases, c.Closed, c.ClosedWithDeadline, c.OnTime, c.Visited, c.Satisfied,
                c.Basic, c.Dissatisfied, c.Inquiries, c.ImmediateInquiries)).ToList()));
        }

        return result;
    }

    public async Task MarkSentAsync(IReadOnlyList<DailyStats> sent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sent);
        foreach (var s in sent)
        {
            await db.Days.Where(d => d.Node == s.Node && d.Day == s.Day && d.Version == s.Version)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Pending, 0), ct);
        }
    }

    public async Task<Result<bool>> ApplyAsync(DailyStats stats, string fromNode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var me = node.Value;
        var scope = new StatsScope(me.Id, me.Tier);
        var city = stats.Node;
        var viaRightParent = me.Tier switch
        {
            NodeTier.Provincial => fromNode == city,
            NodeTier.National => RegionCode.IsProvince(fromNode) && RegionCode.IsValid(city) && RegionCode.ProvinceOf(city) == fromNode,
            _ => false,
        };
        if (me.Tier == NodeTier.Municipal || !scope.Covers(city) || !viaRightParent || city == me.Id)
        {
            LogRefused(logger, city, stats.Day, fromNode);
            return Error.Forbidden("stats.out_of_scope", $"{me.Id} does not take the statistics of {city} from {fromNode}.");
        }

        if (!DateOnly.TryParseExact(stats.Day, "yyyy-MM-dd", out _))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["day"] = [$"'{stats.Day}' is not a date yyyy-MM-dd."] });
        }

        var province = RegionCode.ProvinceOf(city);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var stored = await db.Days.FirstOrDefaultAsync(d => d.Node == city && d.Day == stats.Day, ct);
        if (stored is not null && stored.Version >= stats.Version)
        {
            return false;
        }

        await db.Cells.Where(c => c.Node == city && c.Day == stats.Day).ExecuteDeleteAsync(ct);
        db.Cells.AddRange(stats.Cells.Select(c => new RollupCell
        {
            Node = city, Province = province, Day = stats.Day, Type = c.Type, Category = c.Category, CategoryName = c.CategoryName,
            Channel = c.Channel, Enterprise = c.Enterprise, Status = c.Status, Cases = c.Cases, Closed = c.Closed,
            ClosedWithDeadline = c.ClosedWithDeadline, OnTime = c.OnTime, Visited = c.Visited, Satisfied = c.Satisfied, Basic = c.Basic,
            Dissatisfied = c.Dissatisfied, Inquiries = c.Inquiries, ImmediateInquiries = c.ImmediateInquiries,
        }));
        var pending = me.Tier == NodeTier.Provincial ? 1 : 0;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (stored is null)
        {
            db.Days.Add(new RollupDay { Node = city, Day = stats.Day, NodeName = stats.NodeName, Province = province, Version = stats.Version, UpdatedAt = now, Pending = pending });
        }
        else
        {
            stored.Version = stats.Version;
            stored.NodeName = stats.NodeName;
            stored.UpdatedAt = now;
            stored.Pending = pending;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return true;
    }

    [LoggerMessage(EventId = 14010, Level = LogLevel.Warning, Message = "Refused the statistics of {City} for {Day} from {FromNode}: outside this node's scope")]
    private static partial void LogRefused(ILogger logger, string city, string day, string fromNode);
}
