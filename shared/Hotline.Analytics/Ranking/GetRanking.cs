using System.Globalization;
using Hotline.Analytics.Persistence;
using Hotline.Analytics.Stats;
using Hotline.SharedKernel;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics.Ranking;

/// <summary>One ranked unit: its code and name, rank (equal scores share a rank), score and indicators (percent, cases).</summary>
internal sealed record RankingItem(string Node, string Name, int Rank, double Score, IReadOnlyDictionary<string, double> Indicators);

/// <summary>The monthly ranking (月度排名): provinces at the ministry, cities at a province.</summary>
internal sealed record RankingView(string Month, IReadOnlyList<RankingItem> Items);

/// <summary>The month's sums of one unit, from which its indicators are computed.</summary>
internal sealed record UnitSums(long Cases, long Closed, long ClosedWithDeadline, long OnTime, long Visited, long Satisfied, long Basic,
    long Inquiries, long Immediate);

/// <summary>
/// Ranks the subordinate units on the DOMAIN.md indicators that the cases carry: 限时办结率 (on time / closed with a
/// deadline), 回访率 (visited / closed), 回访满意率 ((satisfied + basically satisfied) / visited) and 咨询即时答复率
/// (inquiries answered at once / inquiries). The score is the weighted mean of the rates (weights in
/// <see cref="AnalyticsOptions"/>); a rate without a base counts 0.
/// </summary>
internal sealed class GetRankingHandler(AnalyticsDbContext db, IOptions<NodeOptions> node, IOptions<AnalyticsOptions> options)
{
    public async Task<Result<RankingView>> HandleAsync(string? month, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(month) ||
            !DateOnly.TryParseExact(month.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["month"] = [$"Required: a month yyyy-MM (got '{month}')."] });
        }

        var me = node.Value;
        if (me.Tier == NodeTier.Municipal)
        {
            return Error.Invalid("ranking.no_subordinates",
                "A city has no subordinate nodes to rank: ask the province (its cities) or the ministry (the provinces).");
        }

        var unit = me.Tier == NodeTier.National ? "province" : "node";
        var filter = new StatsScope(me.Id, me.Tier).Filter(null);
        var period = new Period(first, first.AddMonths(1).AddDays(-1));
        var sums = new Dictionary<string, UnitSums>(StringComparer.Ordinal);
        await GetCaseStatsHandler.ReadAsync(db, $"""
            SELECT {unit}, SUM(cases), SUM(closed), SUM(closed_with_deadline), SUM(on_time), SUM(visited), SUM(satisfied), SUM(basic),
                SUM(inquiries), SUM(immediate_inquiries)
            FROM {db.Prefix}daily_rollups WHERE day >= @from AND day <= @to AND {filter.Sql} GROUP BY {unit}
            """, [("@from", period.FromKey), ("@to", period.ToKey), ("@scope", filter.Value)], r =>
        {
            long L(int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
            sums[r.GetString(0)] = new UnitSums(L(1), L(2), L(3), L(4), L(5), L(6), L(7), L(8), L(9));
        }, ct);

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (unit == "node")
        {
            await GetCaseStatsHandler.ReadAsync(db, $"SELECT node, MAX(node_name) FROM {db.Prefix}rollup_days GROUP BY node", [],
                r => names[r.GetString(0)] = r.GetString(1), ct);
        }

        return new RankingView(first.ToString("yyyy-MM", CultureInfo.InvariantCulture), Rank(sums, options.Value,
            code => names.TryGetValue(code, out var n) ? n : Hotline.Web.RegionNames.NameOf(code)));
    }

    /// <summary>Scores and ranks the units: best score first, equal scores share a rank (1, 2, 2, 4), ties listed by code.</summary>
    internal static List<RankingItem> Rank(IReadOnlyDictionary<string, UnitSums> units, AnalyticsOptions weights, Func<string, string> nameOf)
    {
        var scored = units.Select(u =>
        {
            var s = u.Value;
            var indicators = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["cases"] = s.Cases,
                ["onTimeRate"] = Rate(s.OnTime, s.ClosedWithDeadline),
                ["returnVisitRate"] = Rate(s.Visited, s.Closed),
                ["satisfactionRate"] = Rate(s.Satisfied + s.Basic, s.Visited),
                ["immediateAnswerRate"] = Rate(s.Immediate, s.Inquiries),
            };
            var totalWeight = weights.OnTimeWeight + weights.SatisfactionWeight + weights.ReturnVisitWeight + weights.ImmediateAnswerWeight;
            var score = totalWeight <= 0 ? 0 : Math.Round((weights.OnTimeWeight * indicators["onTimeRate"]
                + weights.SatisfactionWeight * indicators["satisfactionRate"]
                + weights.ReturnVisitWeight * indicators["returnVisitRate"]
                + weights.ImmediateAnswerWeight * indicators["immediateAnswerRate"]) / totalWeight, 2);
            return (Code: u.Key, Score: score, Indicators: indicators);
        }).OrderByDescending(x => x.Score).ThenBy(x => x.Code, StringComparer.Ordinal).ToList();

        var items = new List<RankingItem>(scored.Count);
        for (var i = 0; i < scored.Count; i++)
        {
            var rank = i > 0 && scored[i].Score == scored[i - 1].Score ? items[i - 1].Rank : i + 1;
            items.Add(new RankingItem(scored[i].Code, nameOf(scored[i].Code), rank, scored[i].Score, scored[i].Indicators));
        }

        return items;
    }

    private static double Rate(long part, long whole) => whole <= 0 ? 0 : Math.Round(100.0 * part / whole, 2);
}
