using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Cases.Act;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Deadlines;

/// <summary>
/// Watches deadlines: an open case past its deadline gets an automatic 催办 (once), one still overdue
/// <see cref="TicketingOptions.SuperviseAfterWorkingDays"/> working days after its deadline gets a 督办 (once), and one
/// still open <see cref="TicketingOptions.NotifyAfterWorkingDays"/> working days after that gets a 通报 (once).
/// All three appear in the case's history, on the overdue board (badges) and on the feed.
/// </summary>
internal sealed partial class DeadlineMonitor(
    IServiceScopeFactory scopes,
    ReferenceData reference,
    IOptions<TicketingOptions> options,
    TimeProvider clock,
    ILogger<DeadlineMonitor> logger) : BackgroundService
{
    private static readonly Actor Monitor = Actor.System with { Id = "system:deadline-monitor" };

    /// <summary>One pass; returns how many reminders were raised.</summary>
    public async Task<int> ScanAsync(CancellationToken ct)
    {
        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var overdue = await db.Cases
            .Where(c => c.Deadline != null && c.Deadline < now &&
                        (c.Status == CaseStatus.Accepted || c.Status == CaseStatus.Dispatched || c.Status == CaseStatus.Handling ||
                         c.Status == CaseStatus.Returned || c.Status == CaseStatus.Replied) &&
                        (c.UrgeCount == 0 || c.SuperviseCount == 0 || c.NotifyCount == 0))
            .OrderBy(c => c.Deadline).Take(500).ToListAsync(ct);
        var raised = 0;
        foreach (var c in overdue)
        {
            if (c.UrgeCount == 0)
            {
                TakeActionHandler.Remind(db, c, supervise: false, "已超过办理时限，自动催办", Monitor, now);
                raised++;
            }
            else if (c.SuperviseCount == 0 && refs.Calendar.WorkingDaysBetween(c.Deadline!.Value, now) >= options.Value.SuperviseAfterWorkingDays)
            {
                TakeActionHandler.Remind(db, c, supervise: true, $"超期 {options.Value.SuperviseAfterWorkingDays} 个工作日仍未办结，自动督办", Monitor, now);
                raised++;
            }
            else if (c.SuperviseCount > 0 && c.NotifyCount == 0 &&
                     refs.Calendar.WorkingDaysBetween(c.Deadline!.Value, now) >= options.Value.SuperviseAfterWorkingDays + options.Value.NotifyAfterWorkingDays)
            {
                TakeActionHandler.Remind(db, c, SupervisionKinds.Notified,
                    $"督办后又超期 {options.Value.NotifyAfterWorkingDays} 个工作日仍未办结，予以通报", Monitor, now, toFeed: true);
                raised++;
            }
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return raised;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunDeadlineMonitor)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.DeadlineScanInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var n = await ScanAsync(stoppingToken);
                if (n > 0)
                {
                    LogRaised(logger, n);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Deadline monitor raised {Count} reminders")]
    private static partial void LogRaised(ILogger logger, int count);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "Deadline monitor pass failed")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
