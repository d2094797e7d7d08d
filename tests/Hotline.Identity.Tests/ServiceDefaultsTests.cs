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

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/public");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings)
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
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            return next(context);
        });
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapGet("/public", () => "ok").RequireRateLimiting(ServiceDefaultsExtensions.PublicRateLimitPolicy);
        await app.StartAsync();
        return app;
    }
}
