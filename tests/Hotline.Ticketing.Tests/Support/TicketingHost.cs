using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Hotline.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Hotline.Ticketing.Tests.Support;

/// <summary>A city node host with only the ticketing module, on a fresh SQLite folder or a fresh PostgreSQL database.</summary>
public sealed class TicketingHost : IAsyncDisposable
{
    public const string NodeId = "440300";

    private readonly WebApplication _app;
    private readonly string? _dataDir;
    private readonly string? _pgDatabase;

    private TicketingHost(WebApplication app, string? dataDir, string? pgDatabase, FakeTimeProvider clock)
    {
        _app = app;
        _dataDir = dataDir;
        _pgDatabase = pgDatabase;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts the host; <paramref name="compose"/> and <paramref name="map"/> let another lane add the modules it tests on
    /// top of ticketing (e.g. analytics) with their endpoints.
    /// </summary>
    public static async Task<TicketingHost> StartAsync(bool postgres = false, DateTimeOffset? now = null,
        Dictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? compose = null, Action<WebApplication>? map = null)
    {
        var clock = new FakeTimeProvider(now ?? new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8)));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ApplicationName = typeof(TicketingHost).Assembly.GetName().Name });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        string? dataDir = null;
        string? pgDatabase = null;
        var config = new Dictionary<string, string?>
        {
            ["Node:Id"] = NodeId,
            ["Node:Name"] = "深圳市",
            ["Node:Tier"] = "Municipal",
            ["Node:Parent"] = "440000",
            ["Ticketing:RunDeadlineMonitor"] = "false",
            ["RateLimiting:Public:Endpoints:case-filing:PermitLimit"] = "100000",
        };
        if (postgres)
        {
            var baseCs = PostgresConnectionString();
            pgDatabase = "hotline_tk_" + Guid.NewGuid().ToString("N")[..12];
            await using (var conn = new NpgsqlConnection(baseCs))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {pgDatabase}", conn);
                await cmd.ExecuteNonQueryAsync();
            }

            config["Storage:Provider"] = "Postgres";
            config["Storage:Postgres"] = new NpgsqlConnectionStringBuilder(baseCs) { Database = pgDatabase }.ConnectionString;
        }
        else
        {
            dataDir = Path.Combine(Path.GetTempPath(), "hotline-tk-" + Guid.NewGuid().ToString("N"));
            config["Storage:DataDirectory"] = dataDir;
        }

        foreach (var (k, v) in settings ?? [])
        {
            config[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddNodeOptions();
        builder.Services.AddLocalization();
        builder.AddWebModule();
        builder.Services.AddRazorPages().ConfigureApplicationPartManager(parts =>
        {
            var web = typeof(WebModule).Assembly;
            foreach (var part in Microsoft.AspNetCore.Mvc.ApplicationParts.ApplicationPartFactory.GetApplicationPartFactory(web).GetApplicationParts(web))
            {
                parts.ApplicationParts.Add(part);
            }
        });
        builder.Services.AddAuthentication(TestAuthHandler.Scheme)
            .AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.Services.AddProblemDetails();
        builder.Services.AddPublicRateLimiter(builder.Configuration);
        builder.AddTicketingModule();
        compose?.Invoke(builder);

        var app = builder.Build();
        app.UseRequestLocalization(o => o.SetDefaultCulture("zh-CN").AddSupportedCultures("zh-CN", "en-US").AddSupportedUICultures("zh-CN", "en-US"));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapTicketingEndpoints();
        map?.Invoke(app);
        app.MapRazorPages();
        await app.StartAsync();
        return new TicketingHost(app, dataDir, pgDatabase, clock);
    }

    public static string PostgresConnectionString() =>
        Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "HOTLINE_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and exports it.");

    /// <summary>An anonymous client (citizen).</summary>
    public HttpClient Anonymous() => _app.GetTestClient();

    /// <summary>A client acting as <paramref name="user"/> with <paramref name="roles"/> (and an enterprise or unit binding).</summary>
    public HttpClient As(string user, string roles, string? enterprise = null, string? unit = null)
    {
        var client = _app.GetTestClient();
        var value = $"{user};{roles}";
        if (enterprise is not null)
        {
            value += ";enterprise=" + Uri.EscapeDataString(enterprise);
        }

        if (unit is not null)
        {
            value += ";unit=" + Uri.EscapeDataString(unit);
        }

        client.DefaultRequestHeaders.Add(TestAuthHandler.Header, value);
        return client;
    }

    public AsyncServiceScope Scope() => _app.Services.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_dataDir is not null && System.IO.Directory.Exists(_dataDir))
        {
            System.IO.Directory.Delete(_dataDir, recursive: true);
        }

        if (_pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(PostgresConnectionString());
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgDatabase} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Authenticates from the X-Test-User header: "name;role1,role2;enterprise=…;unit=…".</summary>
internal sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public new const string Scheme = "Test";
    public const string Header = "X-Test-User";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var value) || string.IsNullOrEmpty(value))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var parts = value.ToString().Split(';');
        var claims = new List<Claim> { new(ClaimTypes.Name, parts[0]) };
        claims.AddRange(parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new Claim(ClaimTypes.Role, r)));
        foreach (var extra in parts.Skip(2))
        {
            var kv = extra.Split('=', 2);
            claims.Add(new Claim(kv[0], Uri.UnescapeDataString(kv[1])));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme)));
    }
}

/// <summary>Small JSON helpers for the API tests.</summary>
internal static class Http
{
    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);

    public static async Task<System.Text.Json.JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"Empty body, status {(int)response.StatusCode}");
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    public static MediaTypeHeaderValue JsonType => new("application/json");
}
