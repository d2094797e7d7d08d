using System.Security.Claims;
using System.Text.Encodings.Web;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
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

namespace Hotline.Knowledge.Tests.Support;

/// <summary>A node host with only the knowledge module, on a fresh SQLite folder or a fresh PostgreSQL database.</summary>
public sealed class KnowledgeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;
    private readonly string? _pgDatabase;

    private KnowledgeHost(WebApplication app, string dataDir, string? pgDatabase, FakeTimeProvider clock)
    {
        _app = app;
        _dataDir = dataDir;
        _pgDatabase = pgDatabase;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The listening address when started with <c>kestrel: true</c> (browser tests), else null.</summary>
    public Uri? Url { get; private set; }

    public static async Task<KnowledgeHost> StartAsync(bool postgres = false, bool seedDemo = false, string tier = "Municipal",
        bool kestrel = false, Dictionary<string, string?>? settings = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8)));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ApplicationName = typeof(KnowledgeHost).Assembly.GetName().Name,
        });
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        var dataDir = Path.Combine(Path.GetTempPath(), "hotline-kb-" + Guid.NewGuid().ToString("N"));
        string? pgDatabase = null;
        var (id, name, parent) = tier switch
        {
            "National" => ("100000", "交通运输部", (string?)null),
            "Provincial" => ("440000", "广东省", "100000"),
            _ => ("440300", "深圳市", "440000"),
        };
        var config = new Dictionary<string, string?>
        {
            ["Node:Id"] = id,
            ["Node:Name"] = name,
            ["Node:Tier"] = tier,
            ["Node:Parent"] = parent,
            ["Knowledge:RunScheduler"] = "false",
            ["Knowledge:SeedDemo"] = seedDemo ? "true" : "false",
            ["RateLimiting:Public:Endpoints:knowledge-search:PermitLimit"] = "100000",
            ["Storage:DataDirectory"] = dataDir,
        };
        if (postgres)
        {
            var baseCs = PostgresConnectionString();
            pgDatabase = "hotline_kb_" + Guid.NewGuid().ToString("N")[..12];
            await using (var conn = new NpgsqlConnection(baseCs))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {pgDatabase}", conn);
                await cmd.ExecuteNonQueryAsync();
            }

            config["Storage:Provider"] = "Postgres";
            config["Storage:Postgres"] = new NpgsqlConnectionStringBuilder(baseCs) { Database = pgDatabase }.ConnectionString;
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
        builder.Services.AddAuthentication(TestAuth.Scheme)
            .AddScheme<AuthenticationSchemeOptions, TestAuth>(TestAuth.Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.Services.AddProblemDetails();
        builder.AddKnowledgeModule();

        var app = builder.Build();
        app.UseRequestLocalization(o => o.SetDefaultCulture("zh-CN").AddSupportedCultures("zh-CN", "en-US").AddSupportedUICultures("zh-CN", "en-US"));
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapKnowledgeEndpoints();
        app.MapRazorPages();
        await app.StartAsync();
        var host = new KnowledgeHost(app, dataDir, pgDatabase, clock);
        if (kestrel)
        {
            host.Url = new Uri(app.Urls.First());
        }

        return host;
    }

    public static string PostgresConnectionString() =>
        Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "HOTLINE_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and exports it.");

    public HttpClient Anonymous() => _app.GetTestClient();

    /// <summary>A client acting as <paramref name="user"/> with <paramref name="roles"/> (comma-separated).</summary>
    public HttpClient As(string user, string roles)
    {
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Add(TestAuth.Header, $"{user};{roles}");
        return client;
    }

    public AsyncServiceScope Scope() => _app.Services.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (System.IO.Directory.Exists(_dataDir))
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

/// <summary>Authenticates from the X-Test-User header ("name;role1,role2") or, for the browser, the cookie of the same name.</summary>
internal sealed class TestAuth(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public new const string Scheme = "Test";
    public const string Header = "X-Test-User";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? value = Request.Headers.TryGetValue(Header, out var h) ? h.ToString() : Request.Cookies[Header];
        if (string.IsNullOrEmpty(value))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var parts = Uri.UnescapeDataString(value).Split(';');
        var claims = new List<Claim> { new(ClaimTypes.Name, parts[0]) };
        claims.AddRange(parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme)));
    }
}

/// <summary>Small JSON helpers for the API tests.</summary>
internal static class Http
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"Empty body, status {(int)response.StatusCode}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Ok(this Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Fails(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
    }
}
