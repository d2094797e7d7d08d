using Hotline.Analytics.Ranking;
using Hotline.Analytics.Tests.Support;
using Hotline.SharedKernel;

namespace Hotline.Analytics.Tests;

/// <summary>The monthly ranking on a hand-computed set, and the scope of each tier (广东 cannot see 江苏).</summary>
public sealed class RankingAndScopeTests
{
    [Fact]
    public async Task The_ministry_ranks_a_hand_computed_set_of_provinces()
    {
        await using var ministry = await TierHost.StartAsync(NodeOptions.NationalId, NodeTier.National, "交通运输部");
        // 广东 (two cities): on time 90/100, visited 50 of 100 closed (50 %), satisfied+basic 45/50 (90 %), immediate 80/100 (80 %).
        Assert.True((await ministry.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1,
            Days.Cell("complaint", 60, closed: 60, closedWithDeadline: 60, onTime: 50, visited: 30, satisfied: 25, basic: 2),
            Days.Cell("inquiry", 60, closed: 0, inquiries: 60, immediate: 50)), "440000")).Value);
        Assert.True((await ministry.ApplyAsync(Days.Of("440100", "广州市", "2026-10-20", 1,
            Days.Cell("complaint", 40, closed: 40, closedWithDeadline: 40, onTime: 40, visited: 20, satisfied: 18, basic: 0),
            Days.Cell("inquiry", 40, inquiries: 40, immediate: 30)), "440000")).Value);
        // 江苏: on time 70/100, visited 80/100 (80 %), satisfaction 80/80 (100 %), immediate 99/100.
        Assert.True((await ministry.ApplyAsync(Days.Of("320100", "南京市", "2026-10-31", 1,
            Days.Cell("complaint", 100, closed: 100, closedWithDeadline: 100, onTime: 70, visited: 80, satisfied: 80),
            Days.Cell("inquiry", 100, inquiries: 100, immediate: 99)), "320000")).Value);
        // 浙江: only a September day, outside the month asked.
        Assert.True((await ministry.ApplyAsync(Days.Of("330100", "杭州市", "2026-09-30", 1,
            Days.Cell("complaint", 10, closed: 10, closedWithDeadline: 10, onTime: 10)), "330000")).Value);

        var ranking = await ministry.As("analyst1", "analyst").GetFromJsonAsync<JsonElement>("/api/v1/stats/ranking?month=2026-10");
        Assert.Equal("2026-10", ranking.GetProperty("month").GetString());
        var items = ranking.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["320000", "440000"], items.Select(i => i.GetProperty("node").GetString()));
        // By hand (weights 0.35 / 0.25 / 0.2 / 0.2): 江苏 0.35·70 + 0.25·100 + 0.2·80 + 0.2·99 = 85.3; 广东 0.35·90 + 0.25·90 + 0.2·50 + 0.2·80 = 80.
        Assert.Equal(85.3, items[0].GetProperty("score").GetDouble(), 2);
        Assert.Equal(80.0, items[1].GetProperty("score").GetDouble(), 2);
        Assert.Equal((1, 2), (items[0].GetProperty("rank").GetInt32(), items[1].GetProperty("rank").GetInt32()));
        var gd = items[1].GetProperty("indicators");
        Assert.Equal((90.0, 50.0, 90.0, 80.0, 200.0), (gd.GetProperty("onTimeRate").GetDouble(), gd.GetProperty("returnVisitRate").GetDouble(),
            gd.GetProperty("satisfactionRate").GetDouble(), gd.GetProperty("immediateAnswerRate").GetDouble(), gd.GetProperty("cases").GetDouble()));
        Assert.Equal("广东省", items[1].GetProperty("name").GetString());
    }

    [Fact]
    public void Equal_scores_share_a_rank_and_the_next_rank_is_skipped()
    {
        var same = new UnitSums(10, 10, 10, 9, 5, 5, 0, 10, 10);
        var items = GetRankingHandler.Rank(new Dictionary<string, UnitSums>
        {
            ["440000"] = same, ["320000"] = same, ["330000"] = same with { OnTime = 1 }, ["110000"] = same with { OnTime = 10 },
        }, new AnalyticsOptions(), c => c);
        Assert.Equal([("110000", 1), ("320000", 2), ("440000", 2), ("330000", 4)], items.Select(i => (i.Node, i.Rank)));
    }

    [Fact]
    public async Task A_province_takes_and_shows_only_its_own_cities()
    {
        await using var guangdong = await TierHost.StartAsync("440000", NodeTier.Provincial, "广东省");
        Assert.True((await guangdong.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1, Days.Cell("complaint", 7)), "440300")).Value);
        Assert.True((await guangdong.ApplyAsync(Days.Of("440100", "广州市", "2026-10-03", 1, Days.Cell("inquiry", 5)), "440100")).Value);
        // 江苏's city, and a 广东 city's day sent by another node, are refused and change nothing.
        var jiangsu = await guangdong.ApplyAsync(Days.Of("320100", "南京市", "2026-10-03", 1, Days.Cell("complaint", 99)), "320100");
        Assert.Equal(ErrorKind.Forbidden, jiangsu.Error!.Kind);
        var forged = await guangdong.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 9, Days.Cell("complaint", 99)), "440100");
        Assert.Equal(ErrorKind.Forbidden, forged.Error!.Kind);
        // A repeat or an older version changes nothing; a newer one replaces the whole day.
        Assert.False((await guangdong.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1, Days.Cell("complaint", 70)), "440300")).Value);

        var analyst = guangdong.As("analyst1", "analyst");
        var byNode = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=node");
        Assert.Equal([("440300", "深圳市", 7L), ("440100", "广州市", 5L)], byNode.GetProperty("groups").EnumerateArray()
            .Select(g => (g.GetProperty("key").GetString(), g.GetProperty("name").GetString(), g.GetProperty("count").GetInt64())));
        Assert.Equal(12, byNode.GetProperty("total").GetProperty("count").GetInt64());

        var denied = await analyst.GetAsync("/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=type&node=320100");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("stats.out_of_scope", (await denied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var own = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=type&node=440100");
        Assert.Equal(5, own.GetProperty("total").GetProperty("count").GetInt64());

        Assert.True((await guangdong.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 2, Days.Cell("complaint", 3)), "440300")).Value);
        var ranking = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/ranking?month=2026-10");
        Assert.Equal(["440100", "440300"], ranking.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("node").GetString()).Order());
        Assert.Equal(3, ranking.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("node").GetString() == "440300")
            .GetProperty("indicators").GetProperty("cases").GetDouble());
    }

    [Fact]
    public async Task The_ministry_takes_a_city_only_through_its_own_province_and_an_enterprise_account_sees_no_statistics()
    {
        await using var ministry = await TierHost.StartAsync(NodeOptions.NationalId, NodeTier.National, "交通运输部");
        Assert.Equal(ErrorKind.Forbidden, (await ministry.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1, Days.Cell("complaint", 1)), "320000")).Error!.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await ministry.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1, Days.Cell("complaint", 1)), "440300")).Error!.Kind);
        Assert.True((await ministry.ApplyAsync(Days.Of("440300", "深圳市", "2026-10-03", 1, Days.Cell("complaint", 1)), "440000")).Value);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await ministry.As("ent1", "enterprise").GetAsync("/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=type")).StatusCode);
        var gd = await ministry.As("analyst1", "analyst").GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=node&node=440000");
        Assert.Equal(1, gd.GetProperty("total").GetProperty("count").GetInt64());
    }
}
