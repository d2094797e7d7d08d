using Hotline.Analytics.Api;
using Hotline.Analytics.Persistence;
using Hotline.Analytics.Ranking;
using Hotline.Analytics.Rollups;
using Hotline.Analytics.Stats;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotline.Analytics;

/// <summary>Registers the statistics module (统计分析) with a host of any tier and maps its endpoints.</summary>
public static class AnalyticsModule
{
    /// <summary>
    /// Adds the analytics store (<c>data/&lt;node&gt;/analytics.db</c> or PostgreSQL schema <c>analytics</c>), the
    /// statistics queries and, at a city, the rollup of its case feed into daily cells. Needs <c>IOptions&lt;NodeOptions&gt;</c>
    /// bound by the host; at a city also the ticketing module (<see cref="SharedKernel.ICaseFactsSource"/>).
    /// </summary>
    public static IHostApplicationBuilder AddAnalyticsModule(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AnalyticsOptions>()
            .Bind(builder.Configuration.GetSection(AnalyticsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddNodeStorage(builder.Configuration);
        services.AddModuleDbContext<AnalyticsDbContext>(AnalyticsDbContext.Module);
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<GetCaseStatsHandler>();
        services.AddScoped<GetRankingHandler>();
        services.AddScoped<Warnings.GetWarningsHandler>();
        services.AddSingleton<CityRollup>();
        services.AddScoped<IDailyStatsExchange, DailyStatsExchange>();
        services.AddHostedService<AnalyticsStartup>();
        services.AddHostedService<CityRollupWorker>();

        services.AddHealthChecks().AddDbContextCheck<AnalyticsDbContext>("analytics", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>Maps <c>/api/v1/stats/…</c>.</summary>
    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        AnalyticsEndpoints.Map(app);
        return app;
    }
}

/// <summary>Creates the analytics tables before the node takes work.</summary>
internal sealed class AnalyticsStartup(IServiceScopeFactory scopes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>().EnsureModuleSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
