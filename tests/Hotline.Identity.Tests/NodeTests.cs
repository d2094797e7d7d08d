using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Identity.Data;
using Hotline.ServiceDefaults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Identity.Tests;

public sealed class NodeTests : IClassFixture<NodeTests.Node>
{
    private readonly NodeFactory _node;

    public NodeTests(Node node) => _node = node.Factory;

    public sealed class Node : IDisposable
    {
        public NodeFactory Factory { get; } = new("320100");

        public void Dispose() => Factory.Dispose();
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200(string path)
    {
        using var response = await _node.CreateClient().GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/account/login")]
    [InlineData("/api/v1/identity/me")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var response = await _node.CreateClient().GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("SAMEORIGIN", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_identity_api()
    {
        using var response = await _node.CreateClient().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/v1/identity/me", out _));
        Assert.Contains("320100", doc.GetProperty("info").GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_endpoint_serves_metrics()
    {
        var client = _node.CreateClient();
        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).Dispose();
        var text = await Poller.UntilAsync(
            async () => await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            t => t.Contains("http_server_request_duration", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20));
        Assert.Contains("hotline_node_id=\"320100\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwarded_prefix_from_the_gateway_becomes_the_path_base()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Forwarded-Prefix", "/320100");
        using var response = await _node.CreateClient().SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("href=\"/320100/account/login\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/320100/cases/new\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_api_path_is_a_problem_details_404()
    {
        using var response = await _node.CreateClient().GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Demo_users_of_the_city_tier_are_seeded_with_their_roles()
    {
        await using var scope = _node.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var names = await users.Users.Select(u => u.UserName).ToListAsync();
        Assert.Equal(
            new[] { "admin1", "agent1", "agent2", "enterprise1", "handler1", "inspector1", "lead1", "reviewer1" },
            names.OfType<string>().Order(StringComparer.Ordinal).ToArray());
        Assert.True(await users.IsInRoleAsync((await users.FindByNameAsync("lead1"))!, "teamlead"));
    }
}

public sealed class StartupTests
{
    [Fact]
    public void Bad_node_config_stops_start_up_naming_the_field()
    {
        using var factory = new NodeFactory("440300", overrides: new Dictionary<string, string?> { ["Node:Parent"] = "320000" });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var config = FindInner<NodeConfigurationException>(error);
        Assert.NotNull(config);
        Assert.Contains(config.Errors, e => e.StartsWith("Node:Parent", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_node_id_stops_start_up_naming_the_field()
    {
        using var factory = new NodeFactory("440300", overrides: new Dictionary<string, string?> { ["Node:Id"] = "" , ["Node:Parent"] = "440000" });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var config = FindInner<NodeConfigurationException>(error);
        Assert.NotNull(config);
        Assert.Contains(config.Errors, e => e.StartsWith("Node:Id", StringComparison.Ordinal));
    }

    [Fact]
    public void Demo_mode_without_a_password_does_not_start()
    {
        using var factory = new NodeFactory("440300", overrides: new Dictionary<string, string?> { ["Identity:Demo:Password"] = "" });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Identity:Demo:Password", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_keeps_keys_and_does_not_duplicate_seed_data()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hotline-identity-tests", Guid.NewGuid().ToString("N"));
        string token;
        using (var first = new NodeFactory("440300", dir))
        {
            token = (await Http.ClientCredentialsAsync(first.CreateClient())).GetProperty("access_token").GetString()!;
        }

        using var second = new NodeFactory("440300", dir);
        var client = second.CreateClient();
        using (var me = await Http.GetWithTokenAsync(client, "/api/v1/identity/me", token))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        await using var scope = second.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        Assert.Equal(8, await users.Users.CountAsync());
        var apps = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
        Assert.Equal(3, await apps.CountAsync());
    }

    private static T? FindInner<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (FindInner<T>(inner) is { } f)
                    {
                        return f;
                    }
                }
            }
        }

        return null;
    }
}
