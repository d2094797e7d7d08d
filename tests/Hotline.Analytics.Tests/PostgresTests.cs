using Hotline.Analytics.Tests.Support;

namespace Hotline.Analytics.Tests;

/// <summary>The same rollups and questions on PostgreSQL (HOTLINE_TEST_POSTGRES, exported by scripts/test.sh).</summary>
public sealed class PostgresTests
{
    [Fact]
    public async Task A_city_rolls_up_imports_and_a_late_close_on_postgres()
    {
        await using var city = await AnalyticsHosts.CityAsync(postgres: true, now: new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8)));
        await city.ImportAsync([
            new { externalId = "PG-1", type = "inquiry", channel = "phone", description = "咨询地铁首末班时间。", acceptedAt = "2026-10-01T09:00:00+08:00", status = "open" },
            new { externalId = "PG-2", type = "complaint", category = "030200", channel = "web", description = "出租车绕路多收费。",
                acceptedAt = "2026-10-01T10:00:00+08:00", closedAt = "2026-10-03T10:00:00+08:00", status = "archived", satisfaction = "satisfied" },
            new { externalId = "PG-3", type = "complaint", channel = "web", description = "公交车到站不停。", acceptedAt = "2025-10-01T10:00:00+08:00",
                closedAt = "2025-10-02T10:00:00+08:00", status = "closed" },
        ]);
        await city.RollUpAsync();
        var analyst = city.As("analyst1", "analyst");
        var day = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2026-10-01&to=2026-10-01&groupBy=type");
        Assert.Equal((2, 1), (day.GetProperty("total").GetProperty("count").GetInt64(), day.GetProperty("total").GetProperty("previousYear").GetInt64()));

        var number = (await analyst.GetFromJsonAsync<JsonElement>("/api/v1/cases?type=inquiry")).GetProperty("items")[0].GetProperty("caseNumber").GetString();
        var closed = await city.As("agent1", "agent").PostAsJsonAsync($"/api/v1/cases/{number}/actions/answerImmediately", new { text = "已答复。" });
        Assert.True(closed.IsSuccessStatusCode, await closed.Content.ReadAsStringAsync());
        await city.RollUpAsync();
        await city.RollUpAsync(); // nothing new: the second pass changes nothing
        var cells = await ReadCellsAsync(city);
        Assert.Equal([("2025-10-01", "complaint", "closed", 1L), ("2026-10-01", "complaint", "archived", 1L), ("2026-10-01", "inquiry", "closed", 1L)], cells);
    }

    private static async Task<List<(string, string, string, long)>> ReadCellsAsync(TicketingHost city)
    {
        await using var scope = city.Scope();
        var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Persistence.AnalyticsDbContext>(scope.ServiceProvider);
        Assert.True(db.IsPostgres);
        return db.Cells.AsEnumerable().OrderBy(c => c.Day).ThenBy(c => c.Type).Select(c => (c.Day, c.Type, c.Status, c.Cases)).ToList();
    }
}
