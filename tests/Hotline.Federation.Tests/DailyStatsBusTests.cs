using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Analytics;
using Hotline.Federation.Contracts;
using Hotline.Federation.Routing;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Hotline.Federation.Tests;

/// <summary>
/// 日汇总 over the bus: 深圳 rolls up its cases (facts from a scripted feed), sends each day to 广东, which merges it and
/// relays it to the ministry; a late close sends the day again and replaces it everywhere; a day a city sends about a
/// city that is not itself (江苏's 南京) is refused at 广东 and never reaches anyone's numbers.
/// </summary>
public sealed class DailyStatsBusTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-stats-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ScriptedFacts _facts = new();
    private readonly List<TestNode> _nodes = [];

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        string[] ids = [NodeOptions.NationalId, "440000", "440300"];
        var urls = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        NodeSpec[] specs = [TestFederation.National("440000"), TestFederation.Province("440000", "广东省", "440300"), TestFederation.City("440300", "深圳市")];
        foreach (var spec in specs)
        {
            _nodes.Add(await TestNode.StartAsync(spec, urls[spec.Id], urls, Path.Combine(_data, spec.Id),
                new Dictionary<string, string?> { ["Analytics:RollupIntervalSeconds"] = "1" },
                services: s => s.AddSingleton<ICaseFactsSource>(_facts),
                configure: b => b.AddAnalyticsModule(), map: a => a.MapAnalyticsEndpoints()));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }

    private TestNode Node(string id) => _nodes.Single(n => n.Id == id);

    [Fact]
    public async Task A_city_day_reaches_the_province_and_the_ministry_and_a_late_close_replaces_it()
    {
        var accepted = new DateTimeOffset(2026, 10, 8, 9, 0, 0, TimeSpan.FromHours(8));
        _facts.Add(Fact("440300-20261008-000001", "complaint", "accepted", accepted, null), Fact("440300-20261008-000002", "inquiry", "closed", accepted, accepted.AddMinutes(3)));

        foreach (var tier in new[] { "440000", NodeOptions.NationalId })
        {
            var total = await Poller.UntilAsync(() => TotalAsync(tier, "2026-10-08", "type"), t => t.Count == 2, TimeSpan.FromSeconds(30), $"the day at {tier}");
            Assert.Equal(2, total.Count);
        }

        // The complaint closes a week later: the city recomputes 8 October and sends the day again.
        _facts.Add(Fact("440300-20261008-000001", "complaint", "closed", accepted, accepted.AddDays(7)));
        // Before: the inquiry alone was closed, on time (100 %); after: the complaint closed two days past its deadline (50 %).
        var ranking = await Poller.UntilAsync(() => RankingAsync(NodeOptions.NationalId, "2026-10"),
            r => r.OnTimeRate == 50, TimeSpan.FromSeconds(30), "the late close at the ministry");
        Assert.Equal(("440000", 2.0), (ranking.Node, ranking.Cases));
        var byNode = await Node("440000").Client.SendAsync(Get("440000", "/api/v1/stats/cases?from=2026-10-01&to=2026-10-31&groupBy=node"));
        var group = Assert.Single((await byNode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups").EnumerateArray());
        Assert.Equal(("440300", "深圳市", 2L), (group.GetProperty("key").GetString(), group.GetProperty("name").GetString(), group.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task A_day_a_city_sends_about_another_city_is_refused_by_the_province()
    {
        var city = Node("440300");
        await using (var scope = city.App.Services.CreateAsyncScope())
        {
            var forged = new DailyStatsRolledUp("320100", "南京市", "320000", "2026-10-09", 1,
                [new DailyStatsCell("complaint", "", "", "phone", "", "accepted", 50, 0, 0, 0, 0, 0, 0, 0, 0, 0)], DateTimeOffset.UtcNow);
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().EndpointFor(FederationEndpoints.PeerEndpointName("440000")).SendAsync(forged);
        }

        // A genuine day sent after the forged one arrives; the forged one has been handled (refused) by then.
        var accepted = new DateTimeOffset(2026, 10, 9, 9, 0, 0, TimeSpan.FromHours(8));
        _facts.Add(Fact("440300-20261009-000001", "help", "accepted", accepted, null));
        await Poller.UntilAsync(() => TotalAsync("440000", "2026-10-09", "type"), t => t.Count == 1, TimeSpan.FromSeconds(30), "深圳's own day");

        var province = await TotalAsync("440000", "2026-10-09", "node");
        Assert.Equal(1, province.Count);
        Assert.Equal(["440300"], province.Keys);
        var jiangsu = await Node("440000").Client.SendAsync(Get("440000", "/api/v1/stats/cases?from=2026-10-09&to=2026-10-09&groupBy=type&node=320100"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, jiangsu.StatusCode);
        var national = await Poller.UntilAsync(() => TotalAsync(NodeOptions.NationalId, "2026-10-09", "node"), t => t.Count >= 1,
            TimeSpan.FromSeconds(30), "深圳's day at the ministry");
        Assert.Equal(1, national.Count);
        Assert.DoesNotContain("320100", national.Keys);
    }

    private static CaseFact Fact(string number, string type, string status, DateTimeOffset accepted, DateTimeOffset? closed) =>
        new(number, type, "030100", "公交", "phone", null, status, accepted, closed, accepted.AddDays(5), null, "测试工单");

    private HttpRequestMessage Get(string node, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Staff(node, HotlineRoles.Analyst));
        return request;
    }

    private async Task<(long Count, List<string> Keys)> TotalAsync(string node, string day, string groupBy)
    {
        var response = await Node(node).Client.SendAsync(Get(node, $"/api/v1/stats/cases?from={day}&to={day}&groupBy={groupBy}"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("total").GetProperty("count").GetInt64(),
            body.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString()!).ToList());
    }

    private async Task<(string Node, double Cases, double OnTimeRate)> RankingAsync(string node, string month)
    {
        var response = await Node(node).Client.SendAsync(Get(node, "/api/v1/stats/ranking?month=" + month));
        var items = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        if (items.Count == 0)
        {
            return ("", 0, -1);
        }

        var indicators = items[0].GetProperty("indicators");
        return (items[0].GetProperty("node").GetString()!, indicators.GetProperty("cases").GetDouble(), indicators.GetProperty("onTimeRate").GetDouble());
    }

    /// <summary>The city's case feed as analytics reads it: each added fact is one more feed position.</summary>
    private sealed class ScriptedFacts : ICaseFactsSource
    {
        private readonly List<CaseFact> _entries = [];

        public void Add(params CaseFact[] facts)
        {
            lock (_entries)
            {
                _entries.AddRange(facts);
            }
        }

        public Task<CaseFactsPage> ReadChangedAsync(long position, int max, CancellationToken ct)
        {
            lock (_entries)
            {
                var page = _entries.Skip((int)position).Take(max).ToList();
                var latest = page.GroupBy(f => f.CaseNumber).Select(g => g.Last()).ToList();
                return Task.FromResult(new CaseFactsPage(position + page.Count, latest));
            }
        }
    }
}
