using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Import;
using Hotline.Knowledge.Search;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Knowledge.Persistence;

/// <summary>
/// Before the node takes work: creates the schema, the node's libraries and the starting synonym groups on first
/// start, seeds the tier's demo knowledge when demo data is on, and rebuilds the search index from the database.
/// </summary>
internal sealed partial class KnowledgeStartup(
    IServiceScopeFactory scopes,
    IOptions<KnowledgeOptions> options,
    IOptions<NodeOptions> node,
    IConfiguration configuration,
    ILogger<KnowledgeStartup> logger) : IHostedService
{
    internal static readonly Library[] DefaultLibraries =
    [
        new() { Code = "faq", Name = "常见问题", NameEn = "FAQ", IsPublic = true, Order = 1 },
        new() { Code = "policies", Name = "政策法规", NameEn = "Policies and regulations", Order = 2 },
        new() { Code = "routes", Name = "线路票价", NameEn = "Routes and fares", Order = 3 },
        new() { Code = "enterprises", Name = "企业信息", NameEn = "Enterprises", Order = 4 },
    ];

    internal static readonly string[] DefaultSynonyms =
    [
        "的士,出租车,出租汽车,巡游出租汽车,计程车,打车",
        "网约车,网络预约出租汽车,快车,专车",
        "大巴,长途客车,长途汽车,客车,班车",
        "ETC,电子不停车收费",
        "地铁,轨道交通,城轨",
        "公交,公交车,公共汽车,巴士",
        "驾校,驾培,驾驶员培训",
        "丢东西,遗失物品,失物,落下东西",
        "发票,票据,车票凭证",
        "退票,退钱,退费",
        "敬老卡,老年卡,老人卡",
        "高速,高速公路",
        "通行费,过路费",
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<KnowledgeDbContext>();
        await db.EnsureModuleSchemaAsync(cancellationToken);
        if (!await db.Libraries.AnyAsync(cancellationToken))
        {
            db.Libraries.AddRange(DefaultLibraries.Select(l => new Library
            {
                Code = l.Code, Name = l.Name, NameEn = l.NameEn, IsPublic = l.IsPublic, Order = l.Order,
            }));
            await db.SaveChangesAsync(cancellationToken);
        }

        if (!await db.Synonyms.AnyAsync(cancellationToken))
        {
            db.Synonyms.AddRange(DefaultSynonyms.Select(s => new SynonymGroup { Terms = s }));
            await db.SaveChangesAsync(cancellationToken);
        }

        var seed = options.Value.SeedDemo
            ?? (configuration.GetValue<bool>("DemoData:Enabled") || configuration.GetValue<bool>("Identity:Demo:Enabled"));
        if (seed && !await db.Articles.AnyAsync(cancellationToken))
        {
            var seeded = await DemoKnowledge.SeedAsync(services.GetRequiredService<ArticleImporter>(), node.Value.Tier, cancellationToken);
            LogSeeded(logger, seeded, node.Value.Id);
        }

        var indexed = await services.GetRequiredService<IndexSync>().RebuildAsync(db, cancellationToken);
        LogIndexed(logger, indexed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Knowledge: {Count} demo articles seeded at node {NodeId}")]
    private static partial void LogSeeded(ILogger logger, int count, string nodeId);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "Knowledge ready: {Count} online articles indexed")]
    private static partial void LogIndexed(ILogger logger, int count);
}

/// <summary>Publishes approved articles whose time has come and takes expired ones offline, every few seconds.</summary>
internal sealed partial class KnowledgeScheduler(IServiceScopeFactory scopes, IOptions<KnowledgeOptions> options, ILogger<KnowledgeScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunScheduler)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.ScheduleInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var changed = await scope.ServiceProvider.GetRequiredService<Articles.Review.ArticleReview>().RunScheduleAsync(stoppingToken);
                if (changed > 0)
                {
                    LogChanged(logger, changed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3503, Level = LogLevel.Information, Message = "Knowledge schedule: {Count} articles published or expired")]
    private static partial void LogChanged(ILogger logger, int count);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Error, Message = "Knowledge schedule pass failed; retried at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
