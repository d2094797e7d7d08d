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
        return rows.Select(r => new CaseFeedEntry(r.Position, r.CaseNumber, r.EventType, r.OccurredAt,
            CaseLog.ParseSummary(r.SummaryJson)!, r.Comment,
            r.SourceNode is null || r.SourceCaseNumber is null ? null : new ExternalReference(r.SourceNode, r.SourceCaseNumber, r.CorrelationId ?? ""))).ToList();
    }
}
