using System.Globalization;
using Hotline.Analytics.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics.Rollups;

/// <summary>
/// 日汇总 at a city: follows the case feed, keeps each changed case's facts, and recomputes every day those cases belong
/// to — the day before a change and the day after (a late close, an import of old cases) — straight from the facts, so a
/// day's cells always equal a count of its cases. One transaction per page of the feed: facts, the recomputed days
/// (version + 1, pending for the parent) and the cursor commit together, so a crash replays the page, never half of it.
/// </summary>
internal sealed partial class CityRollup(
    IServiceScopeFactory scopes,
    IOptions<NodeOptions> node,
    TimeProvider clock,
    ILogger<CityRollup> logger)
{
    private const string FeedCursor = "case-feed";
    private const int PageSize = 5_000;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Reads the feed until it is caught up; returns how many case facts changed.</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var total = 0;
            while (true)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
                var source = scope.ServiceProvider.GetRequiredService<ICaseFactsSource>();
                var position = (await db.Cursors.AsNoTracking().FirstOrDefaultAsync(c => c.Name == FeedCursor, ct))?.Position ?? 0;
                var page = await source.ReadChangedAsync(position, PageSize, ct);
                if (page.Position <= position)
                {
                    return total;
                }

                var days = await ApplyAsync(db, page, ct);
                total += page.Facts.Count;
                LogRolledUp(logger, page.Facts.Count, days, page.Position);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> ApplyAsync(AnalyticsDbContext db, CaseFactsPage page, CancellationToken ct)
    {
        var me = node.Value;
        var rows = page.Facts.Select(ToRow).ToList();
        var dirty = new HashSet<string>(rows.Select(r => r.Day), StringComparer.Ordinal);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var chunk in rows.Chunk(500))
        {
            var numbers = chunk.Select(r => r.CaseNumber).ToList();
            var before = await db.Facts.Where(f => numbers.Contains(f.CaseNumber)).ToListAsync(ct);
            foreach (var old in before)
            {
                dirty.Add(old.Day);
            }

            db.Facts.RemoveRange(before);
            await db.SaveChangesAsync(ct);
            db.Facts.AddRange(chunk);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var day in dirty)
        {
            await RecomputeDayAsync(db, me.Id, me.Parent ?? "", day, ct);
            await TouchDayAsync(db, me.Id, me.Name, me.Parent ?? "", day, now, ct);
        }

        var cursor = await db.Cursors.FirstOrDefaultAsync(c => c.Name == FeedCursor, ct);
        if (cursor is null)
        {
            db.Cursors.Add(new AnalyticsCursor { Name = FeedCursor, Position = page.Position });
        }
        else
        {
            cursor.Position = page.Position;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return dirty.Count;
    }

    /// <summary>Replaces the day's cells of this city with a GROUP BY over its case facts (same SQL on SQLite and PostgreSQL).</summary>
    internal static async Task RecomputeDayAsync(AnalyticsDbContext db, string nodeId, string province, string day, CancellationToken ct)
    {
        var p = db.Prefix;
        var delete = $"DELETE FROM {p}daily_rollups WHERE node = {{0}} AND day = {{1}}";
        await db.Database.ExecuteSqlRawAsync(delete, [nodeId, day], ct);
        var insert = $$"""
            INSERT INTO {{p}}daily_rollups (node, province, day, type, category, category_name, channel, enterprise, status,
                cases, closed, closed_with_deadline, on_time, visited, satisfied, basic, dissatisfied, inquiries, immediate_inquiries)
            SELECT {0}, {1}, day, type, category, MAX(category_name), channel, enterprise, status,
                COUNT(*), SUM(is_closed), SUM(has_deadline), SUM(is_on_time),
                SUM(CASE WHEN satisfaction <> '' THEN 1 ELSE 0 END),
                SUM(CASE WHEN satisfaction = 'satisfied' THEN 1 ELSE 0 END),
                SUM(CASE WHEN satisfaction = 'basic' THEN 1 ELSE 0 END),
                SUM(CASE WHEN satisfaction = 'dissatisfied' THEN 1 ELSE 0 END),
                SUM(is_inquiry), SUM(is_immediate)
            FROM {{p}}case_facts WHERE day = {2}
            GROUP BY day, type, category, channel, enterprise, status
            """;
        await db.Database.ExecuteSqlRawAsync(insert, [nodeId, province, day], ct);
    }

    /// <summary>Bumps the day's version and marks it pending for the parent.</summary>
    private static async Task TouchDayAsync(AnalyticsDbContext db, string nodeId, string name, string province, string day, long now,
        CancellationToken ct)
    {
        var p = db.Prefix;
        var upsert = $$"""
            INSERT INTO {{p}}rollup_days (node, day, node_name, province, version, updated_at, pending) VALUES ({0}, {1}, {2}, {3}, 1, {4}, 1)
            ON CONFLICT (node, day) DO UPDATE SET version = {{p}}rollup_days.version + 1, updated_at = {4}, pending = 1
            """;
        await db.Database.ExecuteSqlRawAsync(upsert, [nodeId, day, name, province, now], ct);
    }

    /// <summary>A case's facts as the rollup counts them (see <see cref="CaseFactRow"/>).</summary>
    internal static CaseFactRow ToRow(CaseFact f)
    {
        var closed = f.Status is "closed" or "visited" or "archived";
        var hasDeadline = closed && f.Deadline is not null && f.ClosedAt is not null;
        var inquiry = f.Type == "inquiry";
        return new CaseFactRow
        {
            CaseNumber = f.CaseNumber,
            Day = DayOf(f.AcceptedAt),
            Type = f.Type,
            Category = f.Category ?? "",
            CategoryName = f.CategoryName ?? "",
            Channel = f.Channel,
            Enterprise = f.Enterprise ?? "",
            Status = f.Status,
            Title = f.Title.Length > 60 ? f.Title[..60] : f.Title,
            AcceptedAt = f.AcceptedAt.ToUnixTimeMilliseconds(),
            IsClosed = closed ? 1 : 0,
            HasDeadline = hasDeadline ? 1 : 0,
            IsOnTime = hasDeadline && f.ClosedAt <= f.Deadline ? 1 : 0,
            Satisfaction = f.Satisfaction ?? "",
            IsInquiry = inquiry ? 1 : 0,
            IsImmediate = inquiry && closed && f.ClosedAt is { } c && c - f.AcceptedAt <= TimeSpan.FromMinutes(CaseFactRow.ImmediateMinutes) ? 1 : 0,
        };
    }

    /// <summary>The China date of an instant, as stored (yyyy-MM-dd).</summary>
    internal static string DayOf(DateTimeOffset at) =>
        at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 14001, Level = LogLevel.Debug, Message = "Rolled up {Cases} changed cases into {Days} days (feed position {Position})")]
    private static partial void LogRolledUp(ILogger logger, int cases, int days, long position);
}

/// <summary>Follows the case feed at a city (polling: the feed's wake-up signal has one reader, the federation relay).</summary>
internal sealed partial class CityRollupWorker(CityRollup rollup, IOptions<AnalyticsOptions> options, IOptions<NodeOptions> node,
    ILogger<CityRollupWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (node.Value.Tier != NodeTier.Municipal)
        {
            return; // provinces and the ministry hold the cells their cities send up
        }

        var interval = TimeSpan.FromSeconds(options.Value.RollupIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await rollup.CatchUpAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }

            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 14002, Level = LogLevel.Error, Message = "Rolling up the case feed failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
