using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Xunit.Abstractions;

namespace Hotline.Federation.Tests;

/// <summary>
/// The scale mode chosen by configuration alone: RabbitMQ transport (HOTLINE_TEST_RABBITMQ) and PostgreSQL storage
/// (HOTLINE_TEST_POSTGRES), both started and exported by scripts/test.sh. Fails — never skips — when a variable is
/// missing or a server refuses.
/// </summary>
[Trait("Category", "Scale")]
public sealed class ScaleModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ScaleEnvironment _scale = null!;
    private TestFederation _federation = null!;

    public async Task InitializeAsync()
    {
        _scale = await ScaleEnvironment.CreateAsync();
        _federation = await TestFederation.StartAsync(
        [
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440300"),
            TestFederation.City("440300", "深圳市"),
        ], spec => _scale.ConfigFor(spec.Id));
    }

    public async Task DisposeAsync()
    {
        await _federation.DisposeAsync();
        await _scale.DisposeAsync();
    }

    private static async Task<int> ReportedAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        Assert.True(db.Database.IsNpgsql(), "the read model must be on PostgreSQL in scale mode");
        return await db.ReportedCases.CountAsync(c => c.CityNode == "440300");
    }

    private static async Task<Dictionary<string, long>> CountersAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FederationDbContext>().ReadCountersAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Reports_travel_over_RabbitMQ_with_PostgreSQL_stores_and_a_duplicate_is_discarded()
    {
        const int count = 200;
        var city = _federation["440300"].City!;
        for (var i = 0; i < count; i++)
        {
            city.CreateLocal(title: $"规模模式 {i}");
        }

        await Poller.UntilAsync(() => ReportedAsync(_federation["100000"]), n => n == count, TimeSpan.FromMinutes(2), $"{count} at the ministry");
        Assert.Equal(count, await ReportedAsync(_federation["440000"]));

        // The same report delivered twice (the city sends it again through RabbitMQ): the ministry keeps one.
        var report = new CaseReported("440300-20261125-000001", "440300", "100000", Guid.NewGuid(), 1, DateTimeOffset.UtcNow,
            new CaseSummary("440300-20261125-000001", "complaint", null, "phone", "规模模式 0", "138****5678", "accepted",
                DateTimeOffset.UtcNow, null, false));
        await using (var scope = _federation["440300"].App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().EndpointFor("peer-440000").SendAsync(report);
        }

        await Poller.UntilAsync(() => CountersAsync(_federation["100000"]), c => c.GetValueOrDefault("duplicates") >= 1, TimeSpan.FromMinutes(1),
            "the duplicate discarded at the ministry");

        var queues = await _federation["440300"].Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/queues");
        var sent = (await CountersAsync(_federation["440300"])).GetValueOrDefault("published");
        var ministry = await CountersAsync(_federation["100000"]);
        output.WriteLine($"scale mode (RabbitMQ + PostgreSQL): sent={sent} delivered={ministry.GetValueOrDefault("applied")} " +
                         $"duplicatesDiscarded={ministry.GetValueOrDefault("duplicates")} lost={sent - ministry.GetValueOrDefault("applied")}; city queues {queues}");
        Assert.Equal(count, sent);
        Assert.Equal(count, ministry.GetValueOrDefault("applied"));
        Assert.Equal(count, await ReportedAsync(_federation["100000"]));
    }
}
