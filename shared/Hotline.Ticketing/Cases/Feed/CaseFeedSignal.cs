using System.Data.Common;
using System.Threading.Channels;
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
    private readonly Channel<bool> _raised = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    /// <summary>New feed entries are committed.</summary>
    public void Raise() => _raised.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_raised.Reader.TryRead(out _))
        {
            return;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _raised.Reader.WaitToReadAsync(timer.Token);
            _raised.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: the reader polls once more (fallback for writers that bypass the signal).
        }
    }

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
