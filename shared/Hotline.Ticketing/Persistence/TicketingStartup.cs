using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Persistence;

/// <summary>Migrates the schema and loads the duplicate index before the node takes work.</summary>
internal sealed partial class TicketingStartup(
    IServiceScopeFactory scopes,
    DuplicateIndex index,
    IOptions<TicketingOptions> options,
    TimeProvider clock,
    ILogger<TicketingStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        await SchemaMigrator.MigrateAsync(db, cancellationToken);
        if (!options.Value.LoadDuplicateIndexOnStart)
        {
            return;
        }

        var since = clock.GetUtcNow().AddDays(-options.Value.DuplicateWindowDays * 2);
        var loaded = 0;
        long lastId = 0;
        while (true)
        {
            var batch = await db.Cases.AsNoTracking().Where(c => c.Id > lastId && c.AcceptedAt >= since).OrderBy(c => c.Id).Take(2000)
                .Select(c => new { c.Id, c.CaseNumber, c.AcceptedAt, c.CallerPhone, c.Description, c.Plate, c.Enterprise, c.Status })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var c in batch)
            {
                index.Add(c.CaseNumber, c.AcceptedAt, c.CallerPhone, ChineseText.Entities(c.Description + " " + c.Plate, c.Enterprise),
                    ChineseText.Tokenize(c.Description));
                if (c.Status == CaseStatus.Merged)
                {
                    index.SetHidden(c.CaseNumber, true);
                }
            }

            loaded += batch.Count;
            lastId = batch[^1].Id;
        }

        LogLoaded(logger, loaded);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "Ticketing ready: schema migrated, {Count} recent cases indexed for duplicates")]
    private static partial void LogLoaded(ILogger logger, int count);
}
