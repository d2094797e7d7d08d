using System.Security.Claims;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Assignments;

/// <summary>Body of <c>POST /api/v1/assignments</c>.</summary>
public sealed record AssignCaseRequest(string? TargetNode, string? Type, string? Description, DateTimeOffset? Deadline);

/// <summary>Answer of <c>POST /api/v1/assignments</c>.</summary>
public sealed record AssignCaseResponse(string CaseNumber);

/// <summary>Body of <c>POST /api/v1/assignments/{caseNumber}/review</c>: accept the result or send it back.</summary>
public sealed record ReviewRequest(bool Accept, string? Comment);

/// <summary>One timeline entry of an assignment.</summary>
public sealed record AssignmentEventView(string Kind, string Text, DateTimeOffset At);

/// <summary>交办 as the assigner sees it, with the handling city's feedback.</summary>
public sealed record AssignmentView(
    string CaseNumber, string TargetNode, string Type, string Description, string AssignedBy, DateTimeOffset AssignedAt,
    DateTimeOffset Deadline, string Status, bool Overdue, string? HandlerCaseNumber, string? Result,
    DateTimeOffset? UrgedAt, DateTimeOffset? SupervisedAt, DateTimeOffset? NoticedAt, DateTimeOffset? ClosedAt,
    IReadOnlyList<AssignmentEventView> Feedback);

/// <summary>Case numbers for cases created at this node (assignments): region code + date + daily sequence.</summary>
internal sealed class AssignmentNumbers(IOptions<NodeOptions> node, TimeProvider clock)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<string> NextAsync(FederationDbContext db, CancellationToken ct)
    {
        var day = clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        await _gate.WaitAsync(ct);
        try
        {
            var seq = await db.CaseSequences.FindAsync([day], ct);
            if (seq is null)
            {
                seq = new CaseSequence { Day = day, Next = 1 };
                db.CaseSequences.Add(seq);
            }

            var n = seq.Next++;
            await db.SaveChangesAsync(ct);
            return $"{node.Value.Id}-{day}-{n:D6}";
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The assignment API (交办) at provinces and the ministry.</summary>
internal static class AssignmentEndpoints
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "complaint", "report", "inquiry", "suggestion", "help", "praise" };

    public static void MapAssignmentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/assignments").RequireAuthorization(HotlinePolicies.Staff).WithTags("Federation: assignments");
        group.MapPost("/", AssignAsync).WithName("AssignCase");
        group.MapGet("/{caseNumber}", GetAsync).WithName("GetAssignment");
        group.MapGet("/", ListAsync).WithName("ListAssignments");
        group.MapPost("/{caseNumber}/review", ReviewAsync).WithName("ReviewAssignmentResult");
    }

    internal static Result<StartAssignment> Validate(AssignCaseRequest body, NodeOptions node, FederationOptions options, DateTimeOffset now, string caseNumber, string assignedBy)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.TargetNode) || !RegionCode.IsValid(body.TargetNode))
        {
            errors["targetNode"] = ["targetNode must be a 6-digit region code of a city."];
        }
        else if (RegionCode.IsProvince(body.TargetNode) || body.TargetNode == NodeOptions.NationalId
                 || TreeRouter.NextHop(node, body.TargetNode).Kind != HopKind.Child)
        {
            errors["targetNode"] = [$"{body.TargetNode} is not a city under {node.Id}."];
        }

        if (string.IsNullOrWhiteSpace(body.Type) || !Types.Contains(body.Type))
        {
            errors["type"] = ["type must be one of complaint, report, inquiry, suggestion, help, praise."];
        }

        if (string.IsNullOrWhiteSpace(body.Description))
        {
            errors["description"] = ["description is required."];
        }
        else if (body.Description.Length > 4000)
        {
            errors["description"] = ["description must be at most 4000 characters."];
        }

        if (body.Deadline is { } d && d <= now)
        {
            errors["deadline"] = ["deadline must be in the future."];
        }

        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        return new StartAssignment(caseNumber, body.TargetNode!, Guid.NewGuid(), body.Type!, body.Description!.Trim(),
            body.Deadline ?? now + options.DefaultAssignmentPeriod, now, assignedBy);
    }

    private static async Task<IResult> AssignAsync(AssignCaseRequest body, ClaimsPrincipal user, IMessageBus bus, FederationDbContext db,
        AssignmentNumbers numbers, IOptions<NodeOptions> node, IOptions<FederationOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var check = Validate(body, node.Value, options.Value, now, "pending", AssignedBy(user));
        if (!check.IsSuccess)
        {
            return check.Error!.ToProblem();
        }

        var caseNumber = await numbers.NextAsync(db, ct);
        var command = check.Value with { CaseNumber = caseNumber };
        await bus.InvokeAsync(command, ct);
        return Results.Created($"/api/v1/assignments/{caseNumber}", new AssignCaseResponse(caseNumber));
    }

    private static async Task<IResult> GetAsync(string caseNumber, FederationDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var row = await db.Assignments.AsNoTracking().Include(a => a.Events).FirstOrDefaultAsync(a => a.CaseNumber == caseNumber, ct);
        return row is null
            ? Error.NotFound("assignment.notFound", $"No assignment {caseNumber} at this node.").ToProblem()
            : Results.Ok(ToView(row, clock.GetUtcNow()));
    }

    private static async Task<IResult> ListAsync(FederationDbContext db, TimeProvider clock, string? status, int? take, CancellationToken ct)
    {
        var query = db.Assignments.AsNoTracking().Include(a => a.Events).AsQueryable();
        if (!string.IsNullOrWhiteSpace(status))
        {
            query = query.Where(a => a.Status == status);
        }

        var rows = await query.OrderByDescending(a => a.CaseNumber).Take(Math.Clamp(take ?? 100, 1, 1000)).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return Results.Ok(new { items = rows.Select(r => ToView(r, now)).ToList() });
    }

    private static async Task<IResult> ReviewAsync(string caseNumber, ReviewRequest body, ClaimsPrincipal user, IMessageBus bus,
        FederationDbContext db, CancellationToken ct)
    {
        var row = await db.Assignments.AsNoTracking().FirstOrDefaultAsync(a => a.CaseNumber == caseNumber, ct);
        if (row is null)
        {
            return Error.NotFound("assignment.notFound", $"No assignment {caseNumber} at this node.").ToProblem();
        }

        if (row.Status != AssignmentStatus.Resolved)
        {
            return Error.Conflict("assignment.noResult", $"Assignment {caseNumber} has no result to review (status {row.Status}).").ToProblem();
        }

        await bus.InvokeAsync(new ReviewAssignmentResult(caseNumber, body.Accept, body.Comment, AssignedBy(user)), ct);
        var updated = await db.Assignments.AsNoTracking().Include(a => a.Events).FirstAsync(a => a.CaseNumber == caseNumber, ct);
        return Results.Ok(ToView(updated, DateTimeOffset.UtcNow));
    }

    internal static AssignmentView ToView(Assignment row, DateTimeOffset now) => new(
        row.CaseNumber, row.TargetNode, row.Type, row.Description, row.AssignedBy, row.AssignedAt, row.Deadline, row.Status,
        AssignmentWorkflow.IsOpen(row) && now > row.Deadline, row.HandlerCaseNumber, row.Result, row.UrgedAt, row.SupervisedAt,
        row.NoticedAt, row.ClosedAt,
        row.Events.OrderBy(e => e.At).Select(e => new AssignmentEventView(e.Kind, e.Text, e.At)).ToList());

    private static string AssignedBy(ClaimsPrincipal user) =>
        user.Identity?.Name ?? user.FindFirstValue("sub") ?? user.FindFirstValue("client_id") ?? "unknown";
}
