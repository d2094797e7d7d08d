using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.ServiceDefaults;

/// <summary>One limit: <see cref="PermitLimit"/> requests per client address in a sliding window of <see cref="WindowSeconds"/>.</summary>
public sealed class RateLimit
{
    /// <summary>Requests one client address may make per window.</summary>
    public int PermitLimit { get; set; } = 120;

    /// <summary>The window length in seconds (slides in six segments).</summary>
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>
/// Limits of the anonymous public endpoints (the one rate-limiter policy <c>"public"</c>). Section
/// <c>RateLimiting:Public</c>: the default limit (<c>PermitLimit</c>, <c>WindowSeconds</c>) and one per named endpoint
/// group (<c>Endpoints:case-filing:PermitLimit</c> …). The client is the address the request came from after the
/// forwarded headers of a trusted proxy (<c>ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c>; loopback by default)
/// were applied, so behind the gateway each citizen has their own budget.
/// </summary>
public sealed class PublicRateLimitOptions
{
    public const string SectionName = "RateLimiting:Public";

    /// <summary>Requests one client address may make per window on an endpoint without a limit of its own.</summary>
    public int PermitLimit { get; set; } = 120;

    /// <summary>The default window length in seconds.</summary>
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Limits per endpoint group, by the name the endpoint gives (<see cref="PublicRateLimits"/>).</summary>
    public Dictionary<string, RateLimit> Endpoints { get; set; } = new(StringComparer.Ordinal)
    {
        // Many citizens can share one carrier-grade NAT address: a filing limit a whole district's mobile users fit in.
        [PublicRateLimits.CaseFiling] = new() { PermitLimit = 300, WindowSeconds = 60 },
        [PublicRateLimits.CaseQuery] = new() { PermitLimit = 600, WindowSeconds = 60 },
    };

    internal RateLimit For(string? name) =>
        name is not null && Endpoints.TryGetValue(name, out var limit) ? limit : new RateLimit { PermitLimit = PermitLimit, WindowSeconds = WindowSeconds };

    internal IEnumerable<string> Validate()
    {
        if (PermitLimit <= 0)
        {
            yield return "RateLimiting:Public:PermitLimit must be positive.";
        }

        if (WindowSeconds <= 0)
        {
            yield return "RateLimiting:Public:WindowSeconds must be positive.";
        }

        foreach (var (name, limit) in Endpoints)
        {
            if (limit.PermitLimit <= 0)
            {
                yield return $"RateLimiting:Public:Endpoints:{name}:PermitLimit must be positive.";
            }

            if (limit.WindowSeconds <= 0)
            {
                yield return $"RateLimiting:Public:Endpoints:{name}:WindowSeconds must be positive.";
            }
        }
    }
}

/// <summary>Endpoint metadata naming which public limit applies (see <see cref="PublicRateLimits"/>).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class PublicRateLimitAttribute(string name) : Attribute
{
    /// <summary>The limit's name in <c>RateLimiting:Public:Endpoints</c>.</summary>
    public string Name { get; } = name;
}

/// <summary>The named public limits and the way an endpoint asks for one.</summary>
public static class PublicRateLimits
{
    /// <summary>Filing a case (the public API and the citizen form) and adding attachments to it.</summary>
    public const string CaseFiling = "case-filing";

    /// <summary>Following a case by number and query code.</summary>
    public const string CaseQuery = "case-query";

    /// <summary>Puts the endpoint under the public limit <paramref name="name"/> (policy <c>"public"</c>).</summary>
    public static TBuilder RequirePublicRateLimit<TBuilder>(this TBuilder builder, string name)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new PublicRateLimitAttribute(name));
        return builder.RequireRateLimiting(ServiceDefaultsExtensions.PublicRateLimitPolicy);
    }

    /// <summary>Registers the <c>"public"</c> policy and its options (once; <c>AddServiceDefaults</c> calls it).</summary>
    public static IServiceCollection AddPublicRateLimiter(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(PublicRateLimitPolicy)))
        {
            return services;
        }

        services.AddSingleton<PublicRateLimitPolicy>();
        services.AddOptions<PublicRateLimitOptions>()
            .Bind(configuration.GetSection(PublicRateLimitOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "RateLimiting:Public has a limit that is not positive.")
            .ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy<string, PublicRateLimitPolicy>(ServiceDefaultsExtensions.PublicRateLimitPolicy);
        });
        return services;
    }
}

/// <summary>
/// The <c>"public"</c> policy: a sliding window per (limit name, client address), the limit chosen by the endpoint's
/// <see cref="PublicRateLimitAttribute"/>; authenticated staff are not limited. A refusal is a 429 ProblemDetails with
/// <c>Retry-After</c> in seconds.
/// </summary>
internal sealed class PublicRateLimitPolicy(IOptionsMonitor<PublicRateLimitOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, cancellationToken) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var error = Error.TooManyRequests("rate_limited",
            $"Too many requests from this address; try again in {seconds} s. 请求过于频繁，请 {seconds} 秒后再试。");
        await error.ToProblem(new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(http);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        // Signed-in staff (a token or a cookie of the node's IdP) are not the public: they are audited, not throttled.
        if (httpContext.User.Identity?.IsAuthenticated == true)
        {
            return RateLimitPartition.GetNoLimiter("staff");
        }

        var name = httpContext.GetEndpoint()?.Metadata.GetMetadata<PublicRateLimitAttribute>()?.Name;
        var limit = options.CurrentValue.For(name);
        var client = httpContext.Connection.RemoteIpAddress ?? IPAddress.None;
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return RateLimitPartition.GetSlidingWindowLimiter($"{name ?? "default"}|{client}", _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = TimeSpan.FromSeconds(limit.WindowSeconds),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
