using Hotline.Federation.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.OfficerConsole;

/// <summary>Filters of the reported-cases list (上报工单). Dates are days in China time (yyyy-MM-dd), both inclusive.</summary>
internal sealed record ReportedFilter(
    string? Node = null, string? Status = null, string? Type = null, string? Category = null, string? Channel = null,
    DateOnly? From = null, DateOnly? To = null, bool Overdue = false, bool Major = false, string? Text = null,
    string Sort = ReportedFilter.Newest, int Page = 1, int PageSize = 50)
{
    public const string Newest = "new";
    public const string Oldest = "old";
    public const string Deadline = "deadline";
    public const string Updated = "updated";
    public static readonly string[] Sorts = [Newest, Oldest, Deadline, Updated];
}

/// <summary>One page of a list and the number of rows the filter matches.</summary>
internal sealed record PageOf<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>Filters of the node's assignment list (交办).</summary>
internal sealed record AssignmentFilter(string? Status = null, string? City = null, bool Overdue = false, DateOnly? From = null, int Page = 1,
    int PageSize = 20);

/// <summary>One subordinate node's numbers on the console home.</summary>
internal sealed record NodeCount(string Node, int Cases, int Open, int Major);

/// <summary>What needs an officer today (the console home).</summary>
internal sealed record ConsoleSummary(
    IReadOnlyList<Assignment> AwaitingReview,
    IReadOnlyList<Assignment> DueSoon,
    IReadOnlyList<ReportedCase> MajorRecent,
    int MajorRecentTotal,
    IReadOnlyList<ReportedCase> Transfers,
    int TransfersTotal,
    IReadOnlyList<NodeCount> PerNode,
    DateTimeOffset At);

/// <summary>
/// The consoles' reads over this node's read models (reported cases, assignments), always within the node's subtree.
/// Every filter runs in the database (indexes on city+accepted, accepted, status+accepted), one page at a time.
/// </summary>
internal sealed class ConsoleQueries(FederationDbContext db, IOptions<NodeOptions> node, TimeProvider clock)
{
    /// <summary>Statuses after which a city's case no longer moves.</summary>
    public static readonly string[] Finished = ["closed", "visited", "archived", "merged"];

    /// <summary>How far ahead the console warns of an assignment's deadline.</summary>
    public static readonly TimeSpan NearDeadline = TimeSpan.FromDays(2);

    /// <summary>How far back the console shows major complaints.</summary>
    public static readonly TimeSpan RecentMajor = TimeSpan.FromDays(7);

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private NodeOptions Self => node.Value;

    /// <summary>The reported cases of this node's subtree (a province's cities; everything at the ministry).</summary>
    public IQueryable<ReportedCase> Subtree()
    {
        var cases = db.ReportedCases.AsNoTracking();
        if (Self.Tier == NodeTier.Provincial)
        {
            var prefix = Self.Id[..2];
            cases = cases.Where(c => c.CityNode.StartsWith(prefix));
        }

        return cases;
    }

    /// <summary>The reported-cases list; Forbidden when the node filter names a city outside this node's subtree.</summary>
    public async Task<Result<PageOf<ReportedCase>>> ReportedAsync(ReportedFilter filter, CancellationToken ct)
    {
        var query = Filtered(filter);
        if (!query.IsSuccess)
        {
            return query.Error!;
        }

        var q = query.Value;
        var total = await q.CountAsync(ct);
        var page = Math.Max(1, filter.Page);
        q = filter.Sort switch
        {
            ReportedFilter.Oldest => q.OrderBy(c => c.CreatedAt).ThenBy(c => c.CaseNumber),
            ReportedFilter.Deadline => q.OrderBy(c => c.Deadline == null).ThenBy(c => c.Deadline).ThenBy(c => c.CaseNumber),
            ReportedFilter.Updated => q.OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.CaseNumber),
            _ => q.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.CaseNumber),
        };
        var items = await q.Skip((page - 1) * filter.PageSize).Take(filter.PageSize).ToListAsync(ct);
        return new PageOf<ReportedCase>(items, total, page, filter.PageSize);
    }

    /// <summary>The filtered query (no paging), for the list and the Excel export.</summary>
    public Result<IQueryable<ReportedCase>> Filtered(ReportedFilter filter)
    {
        var q = Subtree();
        if (!string.IsNullOrWhiteSpace(filter.Node))
        {
            var n = filter.Node.Trim();
            if (!RegionCode.IsValid(n))
            {
                return Error.Validation(new Dictionary<string, string[]> { ["node"] = ["node must be a 6-digit region code."] });
            }

            if (!ConsoleAccess.InScope(Self, n) && !(Self.Tier == NodeTier.National && RegionCode.IsProvince(n)))
            {
                return Error.Forbidden("console.scope", $"{n} is not within {Self.Id}.");
            }

            q = RegionCode.IsProvince(n) ? q.Where(c => c.CityNode.StartsWith(n.Substring(0, 2))) : q.Where(c => c.CityNode == n);
        }

        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            q = filter.Status == "open" ? q.Where(c => !Finished.Contains(c.Status)) : q.Where(c => c.Status == filter.Status);
        }

        if (!string.IsNullOrWhiteSpace(filter.Type))
        {
            q = q.Where(c => c.Type == filter.Type);
        }

        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            q = q.Where(c => c.Category != null && c.Category.StartsWith(filter.Category));
        }

        if (!string.IsNullOrWhiteSpace(filter.Channel))
        {
            q = q.Where(c => c.Channel == filter.Channel);
        }

        if (filter.From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), China);
            q = q.Where(c => c.CreatedAt >= start);
        }

        if (filter.To is { } to)
        {
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), China);
            q = q.Where(c => c.CreatedAt < end);
        }

        if (filter.Overdue)
        {
            var now = clock.GetUtcNow();
            q = q.Where(c => c.Deadline != null && c.Deadline < now && !Finished.Contains(c.Status));
        }

        if (filter.Major)
        {
            q = q.Where(c => c.Major);
        }

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            q = q.Where(c => c.Title.Contains(text) || c.CaseNumber.StartsWith(text));
        }

        return Result<IQueryable<ReportedCase>>.Success(q);
    }

    /// <summary>One reported case, if it is in this node's subtree.</summary>
    public Task<ReportedCase?> ReportedCaseAsync(string caseNumber, CancellationToken ct) =>
        Subtree().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);

    /// <summary>The node's assignments (交办 made here).</summary>
    public async Task<PageOf<Assignment>> AssignmentsAsync(AssignmentFilter filter, CancellationToken ct)
    {
        var q = db.Assignments.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            q = filter.Status == "open"
                ? q.Where(a => a.Status == AssignmentStatus.Assigned || a.Status == AssignmentStatus.InProgress || a.Status == AssignmentStatus.SentBack)
                : q.Where(a => a.Status == filter.Status);
        }

        if (!string.IsNullOrWhiteSpace(filter.City))
        {
            q = q.Where(a => a.TargetNode == filter.City);
        }

        if (filter.Overdue)
        {
            var now = clock.GetUtcNow();
            q = q.Where(a => a.Deadline < now
                             && (a.Status == AssignmentStatus.Assigned || a.Status == AssignmentStatus.InProgress || a.Status == AssignmentStatus.SentBack));
        }

        if (filter.From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), China);
            q = q.Where(a => a.AssignedAt >= start);
        }

        var total = await q.CountAsync(ct);
        var page = Math.Max(1, filter.Page);
        var items = await q.OrderByDescending(a => a.CaseNumber).Skip((page - 1) * filter.PageSize).Take(filter.PageSize).ToListAsync(ct);
        return new PageOf<Assignment>(items, total, page, filter.PageSize);
    }

    /// <summary>One assignment with its timeline.</summary>
    public Task<Assignment?> AssignmentAsync(string caseNumber, CancellationToken ct) =>
        db.Assignments.AsNoTracking().Include(a => a.Events).FirstOrDefaultAsync(a => a.CaseNumber == caseNumber, ct);

    /// <summary>The 转办 in transit through this node's subtree (cases transferred out, not yet handled elsewhere), oldest deadline first.</summary>
    public async Task<PageOf<ReportedCase>> TransfersAsync(int page, int pageSize, CancellationToken ct)
    {
        var q = Subtree().Where(c => c.Status == "transferredOut");
        var total = await q.CountAsync(ct);
        page = Math.Max(1, page);
        var items = await q.OrderBy(c => c.Deadline == null).ThenBy(c => c.Deadline).ThenBy(c => c.CaseNumber)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new PageOf<ReportedCase>(items, total, page, pageSize);
    }

    /// <summary>The console home: what needs the officer today.</summary>
    public async Task<ConsoleSummary> SummaryAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var soon = now + NearDeadline;
        var review = await db.Assignments.AsNoTracking()
            .Where(a => a.Status == AssignmentStatus.Resolved || a.Status == AssignmentStatus.Returned)
            .OrderBy(a => a.CaseNumber).Take(10).ToListAsync(ct);
        var due = await db.Assignments.AsNoTracking()
            .Where(a => (a.Status == AssignmentStatus.Assigned || a.Status == AssignmentStatus.InProgress || a.Status == AssignmentStatus.SentBack)
                        && a.Deadline < soon)
            .OrderBy(a => a.Deadline).Take(10).ToListAsync(ct);
        var since = now - RecentMajor;
        var major = Subtree().Where(c => c.Major && c.Type == "complaint" && c.CreatedAt >= since);
        var majorTotal = await major.CountAsync(ct);
        var majorTop = await major.OrderByDescending(c => c.CreatedAt).Take(10).ToListAsync(ct);
        var transfers = await TransfersAsync(1, 10, ct);
        var perNode = await PerNodeAsync(ct);
        return new ConsoleSummary(review, due, majorTop, majorTotal, transfers.Items, transfers.Total, perNode, now);
    }

    /// <summary>Cases, open cases and major cases per subordinate node (cities at a province, provinces at the ministry).</summary>
    public async Task<IReadOnlyList<NodeCount>> PerNodeAsync(CancellationToken ct)
    {
        var open = Subtree().Where(c => !Finished.Contains(c.Status));
        if (Self.Tier == NodeTier.National)
        {
            var all = await Subtree().GroupBy(c => c.CityNode.Substring(0, 2))
                .Select(g => new { g.Key, Cases = g.Count(), Major = g.Count(c => c.Major) }).ToListAsync(ct);
            var opened = await open.GroupBy(c => c.CityNode.Substring(0, 2)).Select(g => new { g.Key, Open = g.Count() }).ToListAsync(ct);
            return [.. all.Select(a => new NodeCount(a.Key + "0000", a.Cases, opened.FirstOrDefault(o => o.Key == a.Key)?.Open ?? 0, a.Major))
                .OrderBy(n => n.Node, StringComparer.Ordinal)];
        }

        var cities = await Subtree().GroupBy(c => c.CityNode)
            .Select(g => new { g.Key, Cases = g.Count(), Major = g.Count(c => c.Major) }).ToListAsync(ct);
        var openCities = await open.GroupBy(c => c.CityNode).Select(g => new { g.Key, Open = g.Count() }).ToListAsync(ct);
        return [.. cities.Select(a => new NodeCount(a.Key, a.Cases, openCities.FirstOrDefault(o => o.Key == a.Key)?.Open ?? 0, a.Major))
            .OrderBy(n => n.Node, StringComparer.Ordinal)];
    }
}
