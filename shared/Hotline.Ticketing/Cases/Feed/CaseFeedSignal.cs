using System.Data.Common;
using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Hotline.Ticketing.Cases.Feed;

/// <summary>
/// The case feed's commit signal (新工单动态提醒): raised after a commit that wrote feed entries — by EF Core through
/// this interceptor (SaveChanges outside an explicit transaction, or the commit of one) and by the group-commit intake
/// writer — and awaited by the feed's reader (the federation relay). An auto-reset event with memory: a signal raised
/// while nobody waits is kept (once), so a commit between a reader's last read and its next wait is never missed.
/// </summary>
internal sealed class CaseFeedSignal : SaveChangesInterceptor, IDbTransactionInterceptor, ICaseFeedSignal
{
    private readonly WakeSignal _signal = new();

    /// <summary>New feed entries are committed.</summary>
    public void Raise() => _signal.Raise();

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        RaiseIfFeedWritten(eventData);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        RaiseIfFeedWritten(eventData);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Raise();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Raise();
        return Task.CompletedTask;
    }

    private void RaiseIfFeedWritten(SaveChangesCompletedEventData eventData)
    {
        // Inside an explicit transaction the entries are visible only after the commit (TransactionCommitted).
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null
            && context.ChangeTracker.Entries<FeedRow>().Any())
        {
            Raise();
        }
    }
}
