using System.Threading.Channels;
using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Duplicates;

/// <summary>
/// Indexes accepted cases for 查重 off the request path: acceptance enqueues the committed case, this loop segments its
/// text (SmartCn), adds it to the <see cref="DuplicateIndex"/> and applies the 群体性 rule (a complaint or report with at
/// least <see cref="TicketingOptions.MajorDuplicateCount"/> likely duplicates is flagged major, in its own transaction).
/// Readers that must see every accepted case (the duplicates API and panel, merges) call <see cref="CatchUpAsync"/>
/// first, which waits until everything enqueued before the call is indexed.
/// </summary>
internal sealed partial class DuplicateIndexer(
    DuplicateIndex index,
    IServiceScopeFactory scopes,
    IOptions<TicketingOptions> options,
    TimeProvider clock,
    ILogger<DuplicateIndexer> logger) : BackgroundService
{
    private static readonly Actor Rules = Actor.System with { Id = "system:major-rule" };
    private static readonly TimeSpan MaxCatchUp = TimeSpan.FromSeconds(10);

    private readonly Channel<(long Seq, Item Item)> _queue = Channel.CreateUnbounded<(long, Item)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _sync = new();
    private readonly List<(long Seq, TaskCompletionSource Done)> _waiters = [];
    private long _enqueued;
    private long _indexed;

    internal sealed record Item(string CaseNumber, DateTimeOffset AcceptedAt, string? Phone, string Description, string? Plate,
        string? Enterprise, bool MayBecomeMajor);

    public void Enqueue(WorkOrder order)
    {
        var item = new Item(order.CaseNumber, order.AcceptedAt, order.CallerPhone, order.Description, order.Plate, order.Enterprise,
            order.Type is CaseType.Complaint or CaseType.Report && !order.Major);
        lock (_sync)
        {
            _queue.Writer.TryWrite((++_enqueued, item));
        }
    }

    /// <summary>Waits until every case enqueued before this call is in the index (bounded wait; the index is best effort).</summary>
    public Task CatchUpAsync(CancellationToken ct)
    {
        lock (_sync)
        {
            if (_indexed >= _enqueued)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_enqueued, done));
            return WaitAsync(done.Task, ct);
        }
    }

    private static async Task WaitAsync(Task done, CancellationToken ct)
    {
        try
        {
            await done.WaitAsync(MaxCatchUp, ct);
        }
        catch (TimeoutException)
        {
            // The indexer is behind or stopped: answer from what is indexed rather than not at all.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_queue.Reader.TryRead(out var next))
                {
                    try
                    {
                        await IndexAsync(next.Item, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogFailed(logger, next.Item.CaseNumber, ex);
                    }

                    Indexed(next.Seq);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the start-up load rebuilds the index from the database next time.
        }
    }

    private void Indexed(long seq)
    {
        lock (_sync)
        {
            _indexed = seq;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Seq <= seq)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private async Task IndexAsync(Item item, CancellationToken ct)
    {
        var words = ChineseText.Tokenize(item.Description);
        var entities = ChineseText.Entities(item.Description + " " + item.Plate, item.Enterprise);
        var o = options.Value;
        var likely = item.MayBecomeMajor
            ? index.Find(item.Phone, entities, words, item.AcceptedAt, TimeSpan.FromDays(o.DuplicateWindowDays), o.DuplicateThreshold, o.MajorDuplicateCount).Count
            : 0;
        index.Add(item.CaseNumber, item.AcceptedAt, item.Phone, entities, words);
        if (likely >= o.MajorDuplicateCount)
        {
            await FlagMajorAsync(item.CaseNumber, $"规则：{likely} 件相似诉求（群体性）", ct);
        }
    }

    private async Task FlagMajorAsync(string caseNumber, string reason, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (order is null || order.Major)
        {
            return;
        }

        order.Major = true;
        order.MajorReason = reason;
        order.Version++;
        CaseLog.Record(db, order, Rules, clock.GetUtcNow(), "majorFlagged", null, null, reason, false, CaseFeedEvents.MajorFlagged);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogMajor(logger, caseNumber, reason);
    }

    [LoggerMessage(EventId = 3051, Level = LogLevel.Error, Message = "Indexing case {CaseNumber} for duplicates failed")]
    private static partial void LogFailed(ILogger logger, string caseNumber, Exception ex);

    [LoggerMessage(EventId = 3052, Level = LogLevel.Warning, Message = "Case {CaseNumber} flagged major: {Reason}")]
    private static partial void LogMajor(ILogger logger, string caseNumber, string reason);
}
