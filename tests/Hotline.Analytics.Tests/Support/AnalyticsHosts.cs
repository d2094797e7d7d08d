using System.Security.Claims;
using System.Text.Encodings.Web;
using Hotline.Analytics.Rollups;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Hotline.ServiceDefaults;

namespace Hotline.Analytics.Tests.Support;

/// <summary>Hosts of the analytics lane: a city (ticketing + analytics) and a province or the ministry (analytics only).</summary>
internal static class AnalyticsHosts
{
    /// <summary>A city 440300 with the analytics module; the rollup runs when the test calls <see cref="RollUpAsync"/>.</summary>
    public static Task<TicketingHost> CityAsync(bool postgres = false, DateTimeOffset? now = null) =>
        TicketingHost.StartAsync(postgres, now, new Dictionary<string, string?> { ["Analytics:RollupIntervalSeconds"] = "3600" },
            b => b.AddAnalyticsModule(), a => a.MapAnalyticsEndpoints());

    public static Task<int> RollUpAsync(this TicketingHost city) => city.Services.GetRequiredService<CityRollup>().CatchUpAsync(CancellationToken.None);

    /// <summary>Imports rows through the contract and fails on any refusal.</summary>
    public static async Task ImportAsync(this TicketingHost city, IEnumerable<object> rows)
    {
        var response = await city.As("admin1", "admin").PostAsJsonAsync("/api/v1/cases/import", new { cases = rows });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.True(body.GetProperty("refused").GetArrayLength() == 0, body.ToString());
    }
}

/// <summary>A province or national node with only the analytics module (what its cities send is applied by the test).</summary>
internal sealed class TierHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;

    private TierHost(WebApplication app, string dataDir)
    {
        _app = app;
        _dataDir = dataDir;
    }

    public IServiceProvider Services => _app.Services;

    public static async Task<TierHost> StartAsync(string id, NodeTier tier, string name)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var dataDir = Path.Combine(Path.GetTempPath(), "hotline-an-" + Guid.NewGuid().ToString("N"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:Id"] = id,
            ["Node:Name"] = name,
            ["Node:Tier"] = tier.ToString(),
            ["Node:Parent"] = tier == NodeTier.National ? null : NodeOptions.NationalId,
            ["Storage:DataDirectory"] = dataDir,
        });
        builder.AddNodeOptions();
        builder.Services.AddAuthentication(TestAuthHandler.Scheme).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.Scheme, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.Services.AddProblemDetails();
        builder.AddAnalyticsModule();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAnalyticsEndpoints();
        await app.StartAsync();
        return new TierHost(app, dataDir);
    }

    public HttpClient As(string user, string roles)
    {
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Add(TestAuthHandler.Header, $"{user};{roles}");
        return client;
    }

    public HttpClient Anonymous() => _app.GetTestClient();

    /// <summary>Applies a day as if it came over the bus from <paramref name="fromNode"/>.</summary>
    public async Task<Result<bool>> ApplyAsync(DailyStats stats, string fromNode)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IDailyStatsExchange>().ApplyAsync(stats, fromNode, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (System.IO.Directory.Exists(_dataDir))
        {
            System.IO.Directory.Delete(_dataDir, recursive: true);
        }
    }
}

/// <summary>Builds a day's message with one cell per given (type, cases) for tests.</summary>
internal static class Days
{
    public static DailyStats Of(string node, string name, string day, long version, params DailyStatsCell[] cells) =>
        new(node, name, node[..2] + "0000", day, version, cells);

    public static DailyStatsCell Cell(string type, long cases, long closed = 0, long closedWithDeadline = 0, long onTime = 0, long visited = 0,
        long satisfied = 0, long basic = 0, long inquiries = 0, long immediate = 0, string channel = "phone", string category = "030100") =>
        new(type, category, "公交", channel, "", "archived", cases, closed, closedWithDeadline, onTime, visited, satisfied, basic,
            visited - satisfied - basic, inquiries, immediate);
}
