using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Deadlines;

/// <summary>The calendar, SLA table, category codes and routing rules, read from the database and cached until <see cref="Invalidate"/>.</summary>
internal sealed class ReferenceData(IServiceScopeFactory scopes)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _snapshot;

    internal sealed record Snapshot(SlaTable Sla, IReadOnlyDictionary<string, CategoryCode> Categories, IReadOnlyList<RoutingRule> Routing)
    {
        public WorkingCalendar Calendar => Sla.Calendar;

        /// <summary>The first routing rule (by rank) whose category prefix, enterprise and area all match.</summary>
        public RoutingRule? Route(string? category, string? enterprise, string? location) =>
            Routing.OrderBy(r => r.Rank).FirstOrDefault(r =>
                (r.Category is null || (category?.StartsWith(r.Category, StringComparison.Ordinal) ?? false)) &&
                (r.Enterprise is null || string.Equals(r.Enterprise, enterprise, StringComparison.Ordinal)) &&
                (r.Area is null || (location?.Contains(r.Area, StringComparison.Ordinal) ?? false)));
    }

    public async Task<Snapshot> GetAsync(CancellationToken ct)
    {
        if (_snapshot is { } s)
        {
            return s;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_snapshot is not null)
            {
                return _snapshot;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
            var days = await db.CalendarDays.AsNoTracking().ToListAsync(ct);
            var rules = await db.SlaRules.AsNoTracking().ToListAsync(ct);
            var categories = await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Code, ct);
            var routing = await db.RoutingRules.AsNoTracking().ToListAsync(ct);
            _snapshot = new Snapshot(new SlaTable(rules, new WorkingCalendar(days)), categories, routing);
            return _snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => _snapshot = null;
}
