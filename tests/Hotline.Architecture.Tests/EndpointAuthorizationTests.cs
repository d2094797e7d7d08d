using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Architecture.Tests;

/// <summary>
/// Every endpoint of a composed node host either requires authorization or is on the short list of public endpoints
/// (health, metrics, OpenAPI, the OAuth/OIDC and login endpoints, public pages, the citizens' case API, public
/// knowledge, the federation inbox which checks its own tokens). A new staff endpoint without
/// <c>RequireAuthorization</c> fails here, naming it.
/// </summary>
public sealed class EndpointAuthorizationTests
{
    /// <summary>Public endpoints: route pattern (exact, or a prefix ending in <c>*</c>) and the methods allowed anonymously.</summary>
    private static readonly (string Pattern, string[] Methods)[] PublicEndpoints =
    [
        // Operations: health checks and the Prometheus scrape (any method, as mapped).
        ("/health/*", ["*", "GET", "HEAD"]),
        ("/metrics", ["*", "GET"]),
        ("/openapi/*", ["GET"]),
        // The node's own IdP: OAuth/OIDC endpoints, the client-assertion keys, the login pages.
        ("/connect/*", ["GET", "POST"]),
        ("/.well-known/*", ["GET"]),
        ("/account/login", ["*", "GET", "POST"]),
        ("/account/logout", ["*", "GET", "POST"]),
        ("/account/denied", ["*", "GET"]),
        // Public pages, language switch, static assets of the Razor class libraries.
        ("/", ["*", "GET"]),
        ("/directory", ["*", "GET"]),
        ("/cases/new", ["*", "GET", "POST"]),
        ("/cases/query", ["*", "GET", "POST"]),
        ("/culture/{culture}", ["GET"]),
        ("/_content/*", ["GET", "HEAD"]),
        ("/{**path:file}", ["GET", "HEAD"]),
        // Public APIs: who this node is, the node directory, the citizens' case API, public knowledge.
        ("/api/v1/node", ["GET"]),
        ("/api/v1/directory/nodes", ["GET"]),
        ("/api/v1/cases", ["POST"]),
        ("/api/v1/cases/{caseNumber}", ["GET"]),
        // The citizen attaches with the case's query code (checked in the handler, rate-limited); staff with a login.
        ("/api/v1/cases/{caseNumber}/attachments", ["POST"]),
        ("/api/v1/knowledge/search", ["GET"]),
    ];

    public static TheoryData<string> Tiers => new() { "municipal", "provincial", "national" };

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Every_endpoint_requires_authorization_or_is_public_by_design(string tier)
    {
        using var host = new ComposedHost(tier);
        var offenders = new StringBuilder();
        var count = 0;
        foreach (var endpoint in host.Endpoints())
        {
            count++;
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var authorized = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0
                             || endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Count > 0;
            if (authorized && !anonymous)
            {
                continue;
            }

            if (!methods.All(m => IsPublic(pattern, m)))
            {
                offenders.AppendLine($"{string.Join(',', methods)} {pattern} ({endpoint.DisplayName}){(anonymous ? " [AllowAnonymous]" : string.Empty)}");
            }
        }

        Assert.True(count > 10, $"only {count} endpoints found in the {tier} host");
        Assert.True(offenders.Length == 0,
            $"These {tier} endpoints have no authorization and are not on the public list:\n{offenders}");
    }

    [Fact]
    public void The_staff_identity_endpoint_requires_authorization()
    {
        using var host = new ComposedHost("municipal");
        var me = host.Endpoints().Single(e => e.RoutePattern.RawText == "/api/v1/identity/me");
        Assert.NotEmpty(me.Metadata.GetOrderedMetadata<IAuthorizeData>());
        Assert.Null(me.Metadata.GetMetadata<IAllowAnonymous>());
    }

    private static bool IsPublic(string pattern, string method) =>
        PublicEndpoints.Any(p =>
            p.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)
            && (p.Pattern.EndsWith('*')
                ? pattern.StartsWith(p.Pattern[..^1], StringComparison.OrdinalIgnoreCase)
                : string.Equals(pattern, p.Pattern, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A node host of the given tier, composed exactly as its Program.cs does, with a temporary data folder.</summary>
    private sealed class ComposedHost : IDisposable
    {
        private readonly IDisposable _factory;
        private readonly IServiceProvider _services;
        private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-arch-tests", Guid.NewGuid().ToString("N"));

        public ComposedHost(string tier)
        {
            var (id, name, parent) = tier switch
            {
                "municipal" => ("440300", "深圳市", "440000"),
                "provincial" => ("440000", "广东省", "100000"),
                _ => ("100000", "交通运输部", (string?)null),
            };
            var settings = new Dictionary<string, string?>
            {
                ["Node:Id"] = id,
                ["Node:Name"] = name,
                ["Node:Tier"] = char.ToUpperInvariant(tier[0]) + tier[1..],
                ["Node:Parent"] = parent,
                ["Storage:DataDirectory"] = _data,
                ["Logging:Format"] = "simple",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Sip:Udp"] = "127.0.0.1:0",
                ["Sip:Tcp"] = "127.0.0.1:0",
                ["Sip:DataDirectory"] = Path.Combine(_data, "telephony"),
                ["Directory:SendHeartbeats"] = "false",
            };
            switch (tier)
            {
                case "municipal":
                    var city = new Factory<Hotline.Municipal.Program>(settings);
                    (_factory, _services) = (city, city.Services);
                    break;
                case "provincial":
                    var province = new Factory<Hotline.Provincial.Program>(settings);
                    (_factory, _services) = (province, province.Services);
                    break;
                default:
                    var nation = new Factory<Hotline.National.Program>(settings);
                    (_factory, _services) = (nation, nation.Services);
                    break;
            }
        }

        public IEnumerable<RouteEndpoint> Endpoints() =>
            _services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

        public void Dispose()
        {
            _factory.Dispose();
            try
            {
                System.IO.Directory.Delete(_data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class Factory<TProgram>(Dictionary<string, string?> settings) : WebApplicationFactory<TProgram>
        where TProgram : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
