using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>
/// The same migrations and the same life cycle on a real PostgreSQL (HOTLINE_TEST_POSTGRES, exported by scripts/test.sh).
/// SQLite runs every other test class.
/// </summary>
public sealed class PostgresTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync(postgres: true);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Migrations_create_the_schema_once_and_are_idempotent()
    {
        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.True(db.IsPostgres);
        await SchemaMigrator.MigrateAsync(db, CancellationToken.None); // second run: nothing to do
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            await using var s = _host.Scope();
            await SchemaMigrator.MigrateAsync(s.ServiceProvider.GetRequiredService<TicketingDbContext>(), CancellationToken.None);
        }));
        Assert.Equal(28 + 5 + 33 + 6, await db.CalendarDays.CountAsync()); // seeded exactly once
    }

    [Fact]
    public async Task The_public_api_and_the_life_cycle_work_on_postgres()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous());
        Assert.Equal("440300-20261125-000001", number);
        Assert.Equal("440300-20261125-000002", await LifecycleTests.CreateAsync(_host.Anonymous(), "公交车23路司机急刹车，乘客摔倒。"));
        var agent = _host.As("agent1", "agent");
        await LifecycleTests.ActAsync(agent, number, "dispatch", new { unit = "市网约车监管科" });
        await LifecycleTests.ActAsync(_host.As("h", "handler"), number, "receive");
        await LifecycleTests.ActAsync(_host.As("h", "handler"), number, "reply", new { text = "已处理。" });
        await LifecycleTests.ActAsync(_host.As("r", "reviewer"), number, "approveReply");
        var visited = await LifecycleTests.ActAsync(agent, number, "returnVisit", new { satisfaction = "basicallySatisfied" });
        Assert.Equal("visited", visited.GetProperty("status").GetString());

        var bad = await _host.Anonymous().PostJson("/api/v1/cases", new { type = "complaint", description = "短", phone = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var overdue = await agent.GetFromJsonAsync<JsonElement>("/api/v1/cases?status=open&q=23路");
        Assert.Equal(1, overdue.GetProperty("total").GetInt32());

        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 100, CancellationToken.None);
        Assert.Equal(["created", "created", "statusChanged", "statusChanged", "statusChanged", "statusChanged", "citizenNotified", "statusChanged"],
            feed.Select(f => f.EventType).ToArray());
        Assert.True(feed.Zip(feed.Skip(1)).All(p => p.First.Position < p.Second.Position));
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(2, await db.Cases.CountAsync());
    }

    [Fact]
    public async Task Concurrent_acceptance_numbers_cases_without_gaps_or_duplicates()
    {
        var client = _host.Anonymous();
        var numbers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            LifecycleTests.CreateAsync(client, $"第{i}件：出租车不打表，车牌粤B{10000 + i}。", phone: $"138{i:00000000}")));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"440300-20261125-{i:000000}"), numbers.Order());

        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 100, CancellationToken.None);
        Assert.Equal(20, feed.Count);
        Assert.Equal(20, feed.Select(f => f.CaseNumber).Distinct().Count());
    }

    [Fact]
    public async Task Case_history_import_is_idempotent_on_postgres_and_numbers_by_the_acceptance_day()
    {
        var (rows, bad) = ImportTests.File(1_200, _host.Clock.GetUtcNow(), "PG");
        var admin = _host.As("admin1", "admin");
        var first = await (await admin.PostJson("/api/v1/cases/import", new { cases = rows })).Json();
        Assert.Equal(1_200 - bad.Count, first.GetProperty("imported").GetInt32());
        Assert.Equal(bad.Count, first.GetProperty("refused").GetArrayLength());
        var second = await (await admin.PostJson("/api/v1/cases/import", new { cases = rows })).Json();
        Assert.Equal((0, 1_200 - bad.Count), (second.GetProperty("imported").GetInt32(), second.GetProperty("unchanged").GetInt32()));

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(1_200 - bad.Count, await db.Cases.CountAsync());
        var numbers = await db.Cases.Select(c => new { c.CaseNumber, c.AcceptedAt }).ToListAsync();
        Assert.All(numbers, n => Assert.Contains(Deadlines.WorkingCalendar.ChinaDate(n.AcceptedAt).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
            n.CaseNumber, StringComparison.Ordinal));
        Assert.Equal(numbers.Count, numbers.Select(n => n.CaseNumber).Distinct().Count());
    }
}
