using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Ticketing.Cases.Feed;

/// <summary>Reads the durable case feed in position order.</summary>
internal sealed class CaseFeedReader(TicketingDbContext db) : ICaseFeed
{
    public async Task<IReadOnlyList<CaseFeedEntry>> ReadAfterAsync(long position, int max, CancellationToken ct)
    {
        var rows = await db.Feed.AsNoTracking().Where(f => f.Position > position).OrderBy(f => f.Position)
            .Take(Math.Clamp(max, 1, 10_000)).ToListAsync(ct);
        return rows.Select(r =>
        {
            var source = r.SourceNode is null || r.SourceCaseNumber is null
                ? null
                : new ExternalReference(r.SourceNode, r.SourceCaseNumber, r.CorrelationId ?? "");
            if (r.EventType == CaseFeedEvents.TransferredOut && r.Comment is { } note)
            {
                // 转办: the stored note becomes the typed target; the comment is the reason alone.
                var transfer = TransferNote.Parse(note);
                return new CaseFeedEntry(r.Position, r.CaseNumber, r.EventType, r.OccurredAt, CaseLog.ParseSummary(r.SummaryJson)!,
                    transfer.Reason, source) { Transfer = transfer };
            }

            return new CaseFeedEntry(r.Position, r.CaseNumber, r.EventType, r.OccurredAt, CaseLog.ParseSummary(r.SummaryJson)!, r.Comment, source);
        }).ToList();
    }
}
