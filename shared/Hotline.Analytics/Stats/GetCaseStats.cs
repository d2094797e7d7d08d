using System.Data.Common;
using System.Globalization;
using Hotline.Analytics.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics.Stats;

/// <summary>The question of <c>GET /api/v1/stats/cases</c>: dates as given (yyyy-MM-dd), the grouping, an optional node.</summary>
internal sealed record GetCaseStats(string? From, string? To, string? GroupBy, string? Node = null);

/// <summary>One line of the answer: count in the period, in the 同比 and the 环比 base.</summary>
internal sealed record StatsLine(string Key, string Name, long Count, long PreviousYear, long PreviousPeriod);

/// <summary>The answer (CONTRACTS.md "Statistics").</summary>
internal sealed record CaseStatsView(string From, string To, string GroupBy, IReadOnlyList<StatsLine> Groups, StatsTotal Total,
    StatsPeriods Periods);

/// <summary>The totals of the three periods.</summary>
internal sealed record StatsTotal(long Count, long PreviousYear, long PreviousPeriod);

/// <summary>The periods compared, so a reader sees which dates each base covers.</summary>
internal sealed record StatsPeriods(string PreviousYearFrom, string PreviousYearTo, string PreviousPeriodFrom, string PreviousPeriodTo);

/// <summary>
/// 同比/环比 from the rollups: one GROUP BY per period over <c>daily_rollups</c> within the node's scope (the cells of a
/// day are a city's cases of that day, so sums over cells are counts of cases).
/// </summary>
internal sealed class GetCaseStatsHandler(AnalyticsDbContext db, IOptions<NodeOptions> node)
{
    internal static readonly string[] Groupings = ["type", "category", "channel", "node"];

    public async Task<Result<CaseStatsView>> HandleAsync(GetCaseStats query, CancellationToken ct)
    {
        var fields = new Dictionary<string, string[]>();
        var from = ParseDay(query.From, "from", fields);
        var to = ParseDay(query.To, "to", fields);
        var groupBy = string.IsNullOrWhiteSpace(query.GroupBy) ? "type" : query.GroupBy.Trim().ToLowerInvariant();
        if (!Groupings.Contains(groupBy))
        {
            fields["groupBy"] = [$"'{query.GroupBy}' is not one of type, category, channel, node."];
        }

        if (from is { } f && to is { } t && (t < f || t.DayNumber - f.DayNumber > 3660))
        {
            fields["to"] = ["Must be on or after 'from' and at most ten years later."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        var scope = new StatsScope(node.Value.Id, node.Value.Tier);
        if (query.Node is { } n && !scope.Covers(n))
        {
            return Error.Forbidden("stats.out_of_scope", $"Node {n} is outside the scope of {node.Value.Id} ({node.Value.Name}).");
        }

        var period = new Period(from!.Value, to!.Value);
        var year = period.PreviousYear();
        var previous = period.PreviousPeriod();
        var filter = scope.Filter(query.Node);
        var current = await SumAsync(period, groupBy, filter, ct);
        var lastYear = await SumAsync(year, groupBy, filter, ct);
        var before = await SumAsync(previous, groupBy, filter, ct);
        var names = groupBy == "node" ? await NodeNamesAsync(ct) : null;

        var keys = current.Keys.Concat(lastYear.Keys).Concat(before.Keys).Distinct(StringComparer.Ordinal);
        var groups = keys.Select(k => new StatsLine(k, NameOf(groupBy, k, current, lastYear, before, names),
                Count(current, k), Count(lastYear, k), Count(before, k)))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var total = new StatsTotal(groups.Sum(g => g.Count), groups.Sum(g => g.PreviousYear), groups.Sum(g => g.PreviousPeriod));
        return new CaseStatsView(period.FromKey, period.ToKey, groupBy, groups, total,
            new StatsPeriods(year.FromKey, year.ToKey, previous.FromKey, previous.ToKey));
    }

    private static long Count(Dictionary<string, (string Name, long Count)> sums, string key) => sums.TryGetValue(key, out var v) ? v.Count : 0;

    private static string NameOf(string groupBy, string key, params object?[] sources)
    {
        switch (groupBy)
        {
            case "type":
                return Dimensions.TypeName(key);
            case "channel":
                return Dimensions.ChannelName(key);
            case "node":
                return sources[^1] is Dictionary<string, string> names && names.TryGetValue(key, out var n) ? n : key;
            default:
                if (key.Length == 0)
                {
                    return "未分类";
                }

                foreach (var source in sources.Take(3).OfType<Dictionary<string, (string Name, long Count)>>())
                {
                    if (source.TryGetValue(key, out var v) && v.Name.Length > 0)
                    {
                        return v.Name;
                    }
                }

                return key;
        }
    }

    private async Task<Dictionary<string, (string Name, long Count)>> SumAsync(Period period, string groupBy, (string Sql, string? Value) filter,
        CancellationToken ct)
    {
        var column = groupBy switch { "category" => "category", "channel" => "channel", "node" => "node", _ => "type" };
        var name = groupBy == "category" ? "MAX(category_name)" : "''";
        var sql = $"SELECT {column}, {name}, SUM(cases) FROM {db.Prefix}daily_rollups " +
                  $"WHERE day >= @from AND day <= @to AND {filter.Sql} GROUP BY {column}";
        var result = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        await ReadAsync(db, sql, [("@from", period.FromKey), ("@to", period.ToKey), ("@scope", filter.Value)], r =>
            result[r.GetString(0)] = (r.IsDBNull(1) ? "" : r.GetString(1), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)), ct);
        return result;
    }

    private async Task<Dictionary<string, string>> NodeNamesAsync(CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await ReadAsync(db, $"SELECT node, MAX(node_name) FROM {db.Prefix}rollup_days GROUP BY node", [],
            r => names[r.GetString(0)] = r.GetString(1), ct);
        return names;
    }

    /// <summary>Runs a query on the context's connection with named parameters (null parameters are left out).</summary>
    internal static async Task ReadAsync(AnalyticsDbContext db, string sql, (string Name, object? Value)[] parameters, Action<DbDataReader> row,
        CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (name, value) in parameters)
            {
                if (value is null || !sql.Contains(name, StringComparison.Ordinal))
                {
                    continue;
                }

                var p = command.CreateParameter();
                p.ParameterName = name;
                p.Value = value;
                command.Parameters.Add(p);
            }

            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                row(reader);
            }
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    internal static DateOnly? ParseDay(string? text, string field, Dictionary<string, string[]> fields)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            fields[field] = ["Required: a date yyyy-MM-dd."];
            return null;
        }

        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            fields[field] = [$"'{text}' is not a date yyyy-MM-dd."];
            return null;
        }

        return day;
    }
}
