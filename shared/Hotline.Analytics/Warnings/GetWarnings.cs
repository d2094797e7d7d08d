using System.Globalization;
using Hotline.Analytics.Persistence;
using Hotline.Analytics.Stats;
using Hotline.SharedKernel;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics.Warnings;

/// <summary>A spike (预警): a region × category whose last seven days exceed its seasonal baseline.</summary>
internal sealed record Warning(string Node, string Category, string CategoryName, long Count, double Baseline, double Threshold);

/// <summary>
/// 动态预警. The baseline of a region × category is its weekly counts over the previous
/// <see cref="AnalyticsOptions.BaselineWeeks"/> weeks plus the same week one year before (the season); the week ending on
/// the asked day is a spike when it exceeds mean + <see cref="AnalyticsOptions.SpikeDeviations"/> × max(σ, √mean, 1) and
/// the mean by at least <see cref="AnalyticsOptions.SpikeMinimumCases"/>. With k ≥ √(n − 1) for n baseline weeks, no week
/// inside the baseline's own range can alert (Samuelson's inequality): an ordinary week stays quiet.
/// </summary>
internal sealed class GetWarningsHandler(AnalyticsDbContext db, IOptions<NodeOptions> node, IOptions<AnalyticsOptions> options)
{
    public async Task<Result<IReadOnlyList<Warning>>> HandleAsync(string? date, CancellationToken ct)
    {
        var fields = new Dictionary<string, string[]>();
        var day = GetCaseStatsHandler.ParseDay(date, "date", fields);
        if (day is null)
        {
            return Error.Validation(fields);
        }

        var o = options.Value;
        var asOf = day.Value;
        var weeks = new List<Period>();
        for (var w = 0; w <= o.BaselineWeeks; w++)
        {
            weeks.Add(new Period(asOf.AddDays(-7 * w - 6), asOf.AddDays(-7 * w)));
        }

        var season = new Period(asOf.AddYears(-1).AddDays(-6), asOf.AddYears(-1));
        var filter = new StatsScope(node.Value.Id, node.Value.Tier).Filter(null);
        var counts = new Dictionary<(string Node, string Category), long[]>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task ReadAsync(Period range, Func<DateOnly, int?> slot, int slots)
        {
            await GetCaseStatsHandler.ReadAsync(db, $"SELECT node, category, MAX(category_name), day, SUM(cases) FROM {db.Prefix}daily_rollups " +
                $"WHERE day >= @from AND day <= @to AND {filter.Sql} GROUP BY node, category, day",
                [("@from", range.FromKey), ("@to", range.ToKey), ("@scope", filter.Value)], r =>
                {
                    var key = (r.GetString(0), r.GetString(1));
                    names[key.Item2] = r.IsDBNull(2) ? "" : r.GetString(2);
                    var s = slot(DateOnly.ParseExact(r.GetString(3), "yyyy-MM-dd", CultureInfo.InvariantCulture));
                    if (s is null)
                    {
                        return;
                    }

                    if (!counts.TryGetValue(key, out var series))
                    {
                        counts[key] = series = new long[slots];
                    }

                    series[s.Value] += Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture);
                }, ct);
        }

        var slots = o.BaselineWeeks + 2; // [0] the week asked, [1..N] the previous weeks, [N+1] the same week a year before
        await ReadAsync(new Period(weeks[^1].From, asOf), d => (asOf.DayNumber - d.DayNumber) / 7, slots);
        await ReadAsync(season, _ => slots - 1, slots);
        var warnings = new List<Warning>();
        foreach (var ((region, category), series) in counts)
        {
            if (Spike(series[0], series.Skip(1).ToArray(), o) is { } threshold)
            {
                warnings.Add(new Warning(region, category, names.GetValueOrDefault(category, ""), series[0], series.Skip(1).Average(), threshold));
            }
        }

        return warnings.OrderByDescending(w => w.Count / Math.Max(1, w.Baseline)).ThenBy(w => w.Node, StringComparer.Ordinal).ToList();
    }

    /// <summary>The threshold the week crossed, or null when it is not a spike against <paramref name="baseline"/>.</summary>
    internal static double? Spike(long week, IReadOnlyList<long> baseline, AnalyticsOptions o)
    {
        if (baseline.Count == 0)
        {
            return null;
        }

        var mean = baseline.Average();
        var sigma = Math.Sqrt(baseline.Sum(b => (b - mean) * (b - mean)) / baseline.Count);
        var threshold = mean + o.SpikeDeviations * Math.Max(Math.Max(sigma, Math.Sqrt(mean)), 1);
        return week > threshold && week - mean >= o.SpikeMinimumCases ? Math.Round(threshold, 2) : null;
    }
}
