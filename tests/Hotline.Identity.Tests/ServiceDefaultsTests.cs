using System.Net;
using Hotline.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace Hotline.Identity.Tests;

/// <summary>ServiceDefaults on a bare host, without any module.</summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Public_rate_limit_is_per_client_ip()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:Public:PermitLimit"] = "2",
            ["RateLimiting:Public:WindowSeconds"] = "3600",
        });
        var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(client, "203.0.113.1"));

        // Another citizen (X-Forwarded-For from the loopback gateway) has their own budget.
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.2"));
    }

    [Fact]
    public async Task A_named_public_limit_has_its_own_budget_and_a_refusal_says_when_to_retry()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:Public:PermitLimit"] = "1",
            ["RateLimiting:Public:Endpoints:case-query:PermitLimit"] = "3",
        });
        var client = app.GetTestClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.9", "/query"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/query");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var refused = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Contains("rate_limited", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The default limit (1) is a separate budget of the same address.
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.9"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(client, "203.0.113.9"));
    }

    [Fact]
    public async Task Forwarded_addresses_count_only_from_trusted_proxies_and_a_configured_remote_gateway_is_one()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:Public:PermitLimit"] = "1",
            ["ForwardedHeaders:KnownProxies:0"] = "192.0.2.10",
        }, remote: IPAddress.Parse("192.0.2.10"));
        var client = app.GetTestClient();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "203.0.113.2")); // another citizen behind the same gateway

        await using var untrusted = await StartAsync(new Dictionary<string, string?> { ["RateLimiting:Public:PermitLimit"] = "1" },
            remote: IPAddress.Parse("192.0.2.10"));
        var direct = untrusted.GetTestClient();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(direct, "203.0.113.1"));
        // Not a trusted proxy: its X-Forwarded-For is ignored, both requests are the one address 192.0.2.10.
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(direct, "203.0.113.2"));
    }

    [Fact]
    public async Task Readiness_waits_for_start_up_tasks()
    {
        await using var app = await StartAsync([]);
        using var response = await app.GetTestClient().GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(((IApplicationBuilder)app).ApplicationServices.GetService(typeof(NodeReadiness)) is NodeReadiness { StartupTasksCompleted: true });
    }

    [Fact]
    public void Bad_tier_names_the_field()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:Id"] = "440300",
            ["Node:Name"] = "深圳市",
            ["Node:Tier"] = "County",
            ["Node:Parent"] = "440000",
        }).Build();
        var error = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Read(configuration));
        Assert.Contains("Node:Tier", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string forwardedFor, string path = "/public")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, IPAddress? remote = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:Id"] = "440300",
            ["Node:Name"] = "深圳市",
            ["Node:Tier"] = "Municipal",
            ["Node:Parent"] = "440000",
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "hotline-identity-tests", Guid.NewGuid().ToString("N")),
            ["Logging:Format"] = "simple",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.Use((HttpContext context, RequestDelegate next) =>
        {
            context.Connection.RemoteIpAddress = remote ?? IPAddress.Loopback;
            return next(context);
        });
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapGet("/public", () => "ok").RequireRateLimiting(ServiceDefaultsExtensions.PublicRateLimitPolicy);
        app.MapGet("/query", () => "ok").RequirePublicRateLimit(PublicRateLimits.CaseQuery);
        await app.StartAsync();
        return app;
    }
}
