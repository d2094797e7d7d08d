using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.Persistence;
using Hotline.Federation.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Hotline.Federation.Tests;

/// <summary>Links fail and nodes restart: nothing may be lost and nothing done twice. Counts are printed.</summary>
public sealed class FaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Support.NodeSpec[] Topology =
    [
        TestFederation.National("440000"),
        TestFederation.Province("440000", "广东省", "440300"),
        TestFederation.City("440300", "深圳市"),
    ];

    private TestFederation _federation = null!;

    public async Task InitializeAsync() => _federation = await TestFederation.StartAsync(Topology);

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    private static async Task<int> ReportedAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        return db.ReportedCases.Count(c => c.CityNode == "440300");
    }

    private static async Task<Dictionary<string, long>> CountersAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FederationDbContext>().ReadCountersAsync(CancellationToken.None);
    }

    [Fact]
    public async Task With_the_province_down_the_city_keeps_accepting_and_every_report_arrives_after_it_returns()
    {
        var city = _federation["440300"].City!;
        for (var i = 0; i < 20; i++)
        {
            city.CreateLocal(title: $"上线前 {i}");
        }

        await Poller.UntilAsync(() => ReportedAsync(_federation["100000"]), n => n == 20, what: "the first 20 at the ministry");
        await _federation.StopAsync("440000");

        for (var i = 0; i < 80; i++)
        {
            city.CreateLocal(title: $"省节点停机期间 {i}");
        }

        // While the province is down nothing more reaches the ministry, and the city's outbox holds the reports.
        var queued = await Poller.UntilAsync(() => _federation["440300"].Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/queues"),
            q => q.GetProperty("outgoing").GetInt32() > 0, what: "reports waiting in the city's outbox");
        Assert.Equal(20, await ReportedAsync(_federation["100000"]));

        var province = await _federation.StartAgainAsync(Topology[1]);
        await Poller.UntilAsync(() => ReportedAsync(_federation["100000"]), n => n == 100, TimeSpan.FromSeconds(90), "all 100 at the ministry");
        Assert.Equal(100, await ReportedAsync(province));

        var published = (await CountersAsync(_federation["440300"])).GetValueOrDefault("published");
        var applied = (await CountersAsync(_federation["100000"])).GetValueOrDefault("applied");
        var duplicates = (await CountersAsync(_federation["100000"])).GetValueOrDefault("duplicates");
        output.WriteLine($"province down: sent={published} delivered={applied} duplicatesDiscarded={duplicates} lost={published - applied} " +
                         $"(city outbox peaked at {queued.GetProperty("outgoing").GetInt32()})");
        Assert.Equal(100, published);
        Assert.Equal(100, applied);
    }

    [Fact]
    public async Task Sustained_relay_city_to_province_to_ministry_delivers_every_message()
    {
        const int count = 500;
        var city = _federation["440300"].City!;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            city.CreateLocal(title: $"负载 {i}");
        }

        await Poller.UntilAsync(() => ReportedAsync(_federation["100000"]), n => n == count, TimeSpan.FromMinutes(3), $"{count} at the ministry");
        clock.Stop();
        var rate = count / clock.Elapsed.TotalSeconds;
        output.WriteLine($"relay: {count} reports city → province → ministry in {clock.Elapsed.TotalSeconds:F1} s = {rate:F0} messages/s end to end (2 durable hops each)");
        Assert.Equal(count, await ReportedAsync(_federation["440000"]));
    }
}
