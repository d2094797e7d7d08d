using System.Net;
using System.Threading.RateLimiting;
using Hotline.Gateway.Routing;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Hotline.Gateway;

/// <summary>
/// The gateway's composition: YARP with routes from the node directory, a per-IP rate limit and security headers at
/// the edge, and its own <c>/health/live</c> and <c>/health/ready</c> (ready once the directory has been read).
/// </summary>
public static class GatewayExtensions
{
    /// <summary>Registers options, the directory-driven proxy configuration, rate limiting and health checks.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        GrpcListener.Configure(builder);
        services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DirectoryProxyConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<DirectoryProxyConfigProvider>());
        services.AddHttpClient(DirectoryPoller.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        services.AddHostedService<DirectoryPoller>();
        services.AddReverseProxy();

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            {
                var o = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress ?? IPAddress.None,
                    _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = o.Burst,
                        TokensPerPeriod = o.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
        });

        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<DirectoryHealthCheck>("directory", tags: ["ready"]);
        return builder;
    }

    /// <summary>The edge pipeline: security headers, rate limit, own endpoints, then the proxy.</summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(SecurityHeaders);
        app.Use(InternalOnly);
        app.UseRateLimiter();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") })
            .DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") })
            .DisableRateLimiting();
        app.MapGet("/gateway/routes", (DirectoryProxyConfigProvider routes) => TypedResults.Ok(new
        {
            loaded = routes.Loaded,
            routes = routes.Destinations.Select(d => new { prefix = "/" + d.Key, destination = d.Value }),
        }));
        app.MapReverseProxy();
        return app;
    }

    /// <summary>
    /// Keeps the nodes' operator-only endpoints off the edge: <c>/metrics</c> (Prometheus scrapes each node on its own
    /// address) is 404 at the gateway, both as <c>/metrics</c> (the national portal) and as <c>/{regionCode}/metrics</c>.
    /// </summary>
    private static Task InternalOnly(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var rest = segments.Length > 0 && segments[0].Length == 6 && segments[0].All(char.IsAsciiDigit) ? segments[1..] : segments;
        if (rest.Length > 0 && string.Equals(rest[0], "metrics", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next();
    }

    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.Remove("Server");
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "SAMEORIGIN";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = "frame-ancestors 'self'";
            }

            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        return next();
    }
}

/// <summary>Ready once the directory has been read: before that only the portal route exists.</summary>
internal sealed class DirectoryHealthCheck(DirectoryProxyConfigProvider routes) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(routes.Loaded
            ? HealthCheckResult.Healthy($"{routes.Destinations.Count} nodes routed.")
            : HealthCheckResult.Unhealthy("The node directory has not been read yet."));
}
