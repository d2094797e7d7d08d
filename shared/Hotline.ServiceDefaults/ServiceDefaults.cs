using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hotline.ServiceDefaults;

/// <summary>The defaults every Hotline process composes first: identity of the node, storage, health, telemetry,
/// logging, ProblemDetails, OpenAPI, rate limits, localization, forwarded headers, HTTP resilience.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The name of the one rate-limiter policy for anonymous public endpoints (sliding window per client address and
    /// named limit, see <see cref="PublicRateLimits"/>).</summary>
    public const string PublicRateLimitPolicy = "public";

    /// <summary>The cultures of the UI: zh-CN (default) and en-US.</summary>
    public static readonly IReadOnlyList<string> SupportedCultures = ["zh-CN", "en-US"];

    /// <summary>
    /// Registers the defaults. Reads and validates the <c>Node</c> section first: a bad node identity throws
    /// <see cref="NodeConfigurationException"/> before anything listens. Installs <see cref="StartupFailure"/>, so a
    /// configuration error that reaches <c>Main</c> ends the process with one line per bad field and exit code 1.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        StartupFailure.ExitCleanlyOnConfigurationErrors();
        var node = builder.AddNodeOptions();
        var services = builder.Services;

        services.AddNodeStorage(builder.Configuration);
        CheckStorage(builder.Configuration);
        builder.ConfigureJsonLogging();
        builder.ConfigureOpenTelemetry(node);

        services.AddSingleton<NodeReadiness>();
        services.AddHostedService<StartupTaskRunner>();
        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live])
            .AddCheck<ReadinessHealthCheck>("startup", tags: [HealthTags.Ready])
            .AddCheck<StaticAssetsHealthCheck>("static-assets", tags: [HealthTags.Ready]);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions.TryAdd("node", node.Id);
            ctx.ProblemDetails.Extensions.TryAdd("traceId", ctx.HttpContext.TraceIdentifier);
        });

        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = $"Hotline {node.Tier} node {node.Id} ({node.Name})";
            return Task.CompletedTask;
        }));

        services.AddPublicRateLimiter(builder.Configuration);
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(ConfigureLocalization);
        services.AddOptions<TrustedProxyOptions>()
            .Bind(builder.Configuration.GetSection(TrustedProxyOptions.SectionName))
            .Validate(o => o.Invalid().FirstOrDefault() is null, "ForwardedHeaders: a proxy or network is not an IP address or CIDR range.")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((o, trusted) =>
        {
            // The gateway forwards /{regionCode}/… with the prefix stripped and X-Forwarded-Prefix set. Trusted from
            // loopback (the defaults) and from the proxies and networks configured for a gateway on another machine.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedPrefix;
            trusted.Value.ApplyTo(o);
        });

        // Each node has its own data-protection keys (cookies, antiforgery) under its data folder.
        services.AddDataProtection().SetApplicationName($"hotline-{node.Id}");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((o, storage, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(Path.Combine(storage.Value.NodeDirectory(node.Id), "dataprotection")), logs));

        services.AddAuthentication();
        services.AddAuthorization();
        services.AddAntiforgery();
        services.AddHttpContextAccessor();
        services.AddServiceDiscoveryFreeResilience();
        return builder;
    }

    /// <summary>
    /// Validates every <c>ValidateOnStart</c> option now, before the host starts (a bad option throws
    /// <see cref="OptionsValidationException"/> here, which <see cref="StartupFailure"/> turns into one line per field
    /// and exit code 1, without the host logging a start-up failure), then adds the middleware every node runs, in
    /// order: security headers (as at the gateway, for nodes reached directly), forwarded headers (PathBase from
    /// X-Forwarded-Prefix), exception handler (ProblemDetails), request
    /// localization, routing, authentication, authorization, rate limiter, antiforgery.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Use(SecurityHeaders);
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLocalization();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c> (Prometheus) and <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Live) })
            .AllowAnonymous().ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => !c.Tags.Contains(HealthTags.Live) || c.Tags.Contains(HealthTags.Ready) })
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }

    /// <summary>nosniff, same-origin framing only, no full referrer to other sites; values a module set itself are kept.</summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            headers.TryAdd("X-Frame-Options", "SAMEORIGIN");
            headers.TryAdd("Content-Security-Policy", "frame-ancestors 'self'");
            headers.TryAdd("Referrer-Policy", "strict-origin-when-cross-origin");
            return Task.CompletedTask;
        });
        return next();
    }

    /// <summary>Storage is read while modules register (message stores, DbContexts): check it as early as the node.</summary>
    private static void CheckStorage(IConfiguration configuration)
    {
        var storage = new StorageOptions();
        configuration.GetSection(StorageOptions.SectionName).Bind(storage);
        var errors = StorageExtensions.Validate(storage).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), errors);
        }
    }

    private static void ConfigureLocalization(RequestLocalizationOptions options)
    {
        var cultures = SupportedCultures.Select(c => new CultureInfo(c)).ToList();
        options.DefaultRequestCulture = new RequestCulture("zh-CN");
        options.SupportedCultures = cultures;
        options.SupportedUICultures = cultures;
        // zh-CN unless the user picks English (query ?culture=en-US or the language cookie). The browser's
        // Accept-Language is deliberately not followed: the product speaks Chinese by default.
        options.RequestCultureProviders =
        [
            new QueryStringRequestCultureProvider(),
            new CookieRequestCultureProvider(),
        ];
    }

    private static void ConfigureJsonLogging(this IHostApplicationBuilder builder)
    {
        var format = builder.Configuration["Logging:Format"] ?? "json";
        if (!string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.IncludeScopes = true;
        });
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder, NodeOptions node)
    {
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService($"hotline-{node.Tier.ToString().ToLowerInvariant()}", serviceInstanceId: node.Id)
                .AddAttributes([new("hotline.node.id", node.Id), new("hotline.node.tier", node.Tier.ToString())]))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Hotline.*")
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                    !ctx.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal) &&
                    !ctx.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddSource("Hotline.*"));

        // An OTLP collector is optional: set OTEL_EXPORTER_OTLP_ENDPOINT to ship traces, metrics and logs.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
    }

    private static void AddServiceDiscoveryFreeResilience(this IServiceCollection services)
    {
        // Every HttpClient from the factory gets timeouts, retries (idempotent methods only) and a circuit breaker.
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods()));
    }
}
