using System.Globalization;
using CsCheck;
using Hotline.Analytics.Persistence;
using Hotline.Analytics.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Analytics.Tests;

/// <summary>
/// Property: whatever cases a city imports, whenever it rolls up, and whichever open cases close late, every day's cells
/// equal a count straight from the cases (an oracle computed from the generated cases alone, not from the module).
/// </summary>
public sealed class RollupPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));

    internal sealed record GenCase(int Id, string Type, string? Category, string Channel, string? Enterprise, int MinutesAgo,
        string Status, int? ClosedAfterMinutes, string? Satisfaction, bool SecondBatch, bool ClosesLate)
    {
        public DateTimeOffset AcceptedAt => Now.AddMinutes(-MinutesAgo);

        public string Day => AcceptedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        public bool LateCloseApplies => ClosesLate && Status == "open" && Type is "inquiry" or "help";

        /// <summary>The status the city must report once everything is done (closed with a satisfaction = 已回访).</summary>
        public string FinalStatus => LateCloseApplies ? "closed"
            : Status == "open" ? "accepted"
            : Status == "closed" && Satisfaction is not null ? "visited"
            : Status;

        public object Row() => new
        {
            externalId = "P-" + Id.ToString(CultureInfo.InvariantCulture),
            type = Type, category = Category, channel = Channel, enterprise = Enterprise,
            description = $"属性测试工单{Id}：关于公交线路的诉求。",
            acceptedAt = AcceptedAt.ToString("O", CultureInfo.InvariantCulture),
            closedAt = Status == "open" ? null : AcceptedAt.AddMinutes(ClosedAfterMinutes!.Value).ToString("O", CultureInfo.InvariantCulture),
            status = Status,
            satisfaction = Status == "open" ? null : Satisfaction,
        };
    }

    private static readonly Gen<GenCase> OneCase =
        from type in Gen.OneOf("complaint", "inquiry", "inquiry", "help", "suggestion", "report")
        from category in Gen.OneOf<string?>("030100", "030200", "020100", null)
        from channel in Gen.OneOf("phone", "web", "wechat", "email")
        from enterprise in Gen.OneOf<string?>("深圳巴士集团", "鹏程出租", null)
        // Up to 40 days back, any minute: days begin and end at China midnight, which the oracle computes on its own.
        from minutesAgo in Gen.Int[60 * 24 * 3, 60 * 24 * 40]
        from status in Gen.OneOf("open", "closed", "archived")
        from closedAfter in Gen.OneOf(5, 29, 31, 600, 3_000)
        from satisfaction in Gen.OneOf<string?>("satisfied", "basic", "dissatisfied", null)
        from second in Gen.Bool
        from late in Gen.Bool
        select new GenCase(0, type, category, channel, enterprise, minutesAgo, status, closedAfter, satisfaction, second, late);

    [Fact]
    public async Task Every_day_equals_the_straight_count_after_imports_late_imports_and_late_closes()
    {
        await OneCase.List[1, 80].SampleAsync(async generated =>
        {
            var cases = generated.Select((c, i) => c with { Id = i }).ToList();
            await using var city = await AnalyticsHosts.CityAsync(now: Now);
            await city.ImportAsync(cases.Where(c => !c.SecondBatch).Select(c => c.Row()));
            await city.RollUpAsync();
            // An import of older history and late closes after the first rollup: the right days must be corrected.
            await city.ImportAsync(cases.Where(c => c.SecondBatch).Select(c => c.Row()));
            foreach (var c in cases.Where(c => c.LateCloseApplies))
            {
                var number = await CaseNumberAsync(city, c);
                var response = await city.As("agent1", "agent").PostAsJsonAsync($"/api/v1/cases/{number}/actions/answerImmediately", new { text = "已电话答复。" });
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }

            await city.RollUpAsync();

            var expected = Oracle(cases);
            var actual = await CellsAsync(city);
            Assert.Equal(expected, actual);

            var from = cases.Min(c => c.Day);
            var to = cases.Max(c => c.Day);
            var stats = await city.As("analyst1", "analyst").GetFromJsonAsync<JsonElement>($"/api/v1/stats/cases?from={from}&to={to}&groupBy=type");
            Assert.Equal(cases.Count, stats.GetProperty("total").GetProperty("count").GetInt64());
            foreach (var g in stats.GetProperty("groups").EnumerateArray())
            {
                Assert.Equal(cases.Count(c => c.Type == g.GetProperty("key").GetString()), g.GetProperty("count").GetInt64());
            }
        }, iter: 6, threads: 1);
    }

    /// <summary>Cell key → (cases, closed, visited, satisfied, basic, dissatisfied, inquiries, immediate), from the generated cases.</summary>
    private static SortedDictionary<string, (long, long, long, long, long, long, long, long)> Oracle(IEnumerable<GenCase> cases) =>
        new(cases.GroupBy(c => string.Join('|', c.Day, c.Type, c.Category ?? "", c.Channel, c.Enterprise ?? "", c.FinalStatus))
            .ToDictionary(g => g.Key, g =>
            {
                long Count(Func<GenCase, bool> p) => g.LongCount(p);
                bool Closed(GenCase c) => c.FinalStatus is "closed" or "visited" or "archived";
                string? Sat(GenCase c) => c.LateCloseApplies || c.Status == "open" ? null : c.Satisfaction;
                return (g.LongCount(), Count(Closed), Count(c => Sat(c) is not null), Count(c => Sat(c) == "satisfied"), Count(c => Sat(c) == "basic"),
                    Count(c => Sat(c) == "dissatisfied"), Count(c => c.Type == "inquiry"),
                    Count(c => c.Type == "inquiry" && c.Status != "open" && c.ClosedAfterMinutes <= 30));
            }), StringComparer.Ordinal);

    private static async Task<SortedDictionary<string, (long, long, long, long, long, long, long, long)>> CellsAsync(TicketingHost city)
    {
        await using var scope = city.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>();
        var cells = await db.Cells.AsNoTracking().ToListAsync();
        Assert.All(cells, c => Assert.InRange(c.OnTime, 0, c.ClosedWithDeadline));
        Assert.All(cells, c => Assert.Equal(c.Closed, c.ClosedWithDeadline)); // every closed case here has a deadline and a closing time
        return new SortedDictionary<string, (long, long, long, long, long, long, long, long)>(cells.ToDictionary(
            c => string.Join('|', c.Day, c.Type, c.Category, c.Channel, c.Enterprise, c.Status),
            c => (c.Cases, c.Closed, c.Visited, c.Satisfied, c.Basic, c.Dissatisfied, c.Inquiries, c.ImmediateInquiries)), StringComparer.Ordinal);
    }

    private static async Task<string> CaseNumberAsync(TicketingHost city, GenCase c)
    {
        await using var scope = city.Scope();
        var db = scope.ServiceProvider.GetRequiredService<Hotline.Ticketing.Persistence.TicketingDbContext>();
        var id = "P-" + c.Id.ToString(CultureInfo.InvariantCulture);
        return (await db.Imports.AsNoTracking().SingleAsync(i => i.ExternalId == id)).CaseNumber;
    }
}
