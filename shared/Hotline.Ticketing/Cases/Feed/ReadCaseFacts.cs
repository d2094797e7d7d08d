using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Ticketing.Cases.Feed;

/// <summary>The current state of the cases the feed says changed, for the statistics rollups.</summary>
internal sealed class ReadCaseFactsHandler(TicketingDbContext db, ReferenceData reference) : ICaseFactsSource
{
    public async Task<CaseFactsPage> ReadChangedAsync(long position, int max, CancellationToken ct)
    {
        var entries = await db.Feed.AsNoTracking().Where(f => f.Position > position).OrderBy(f => f.Position)
            .Take(Math.Clamp(max, 1, 20_000)).Select(f => new { f.Position, f.CaseNumber }).ToListAsync(ct);
        if (entries.Count == 0)
        {
            return new CaseFactsPage(position, []);
        }

        var numbers = entries.Select(e => e.CaseNumber).Distinct().ToList();
        var categories = (await reference.GetAsync(ct)).Categories;
        var facts = new List<CaseFact>(numbers.Count);
        foreach (var chunk in numbers.Chunk(500))
        {
            var cases = await db.Cases.AsNoTracking().Where(c => chunk.Contains(c.CaseNumber)).ToListAsync(ct);
            facts.AddRange(cases.Select(c => new CaseFact(c.CaseNumber, c.Type.ToString().ToLowerInvariant(), c.Category,
                c.Category is not null && categories.TryGetValue(c.Category, out var code) ? code.Name : null, c.Channel.ToString().ToLowerInvariant(), c.Enterprise,
                StatusText.Json(c.Status), c.AcceptedAt, c.ClosedAt, c.Deadline, c.Satisfaction switch
                {
                    Satisfaction.Satisfied => "satisfied",
                    Satisfaction.BasicallySatisfied => "basic",
                    Satisfaction.Dissatisfied => "dissatisfied",
                    _ => null,
                }, c.Title)));
        }

        return new CaseFactsPage(entries[^1].Position, facts);
    }
}
