using Hotline.Federation.Assignments;
using Hotline.Federation.Contracts;
using Hotline.Federation.OfficerConsole;
using Hotline.Federation.Persistence;
using Microsoft.AspNetCore.Mvc;
using Wolverine;

namespace Hotline.Federation.Pages.Console.Assignments;

/// <summary>
/// One assignment (交办详情): its timeline (sent, the city's progress, 催办/督办/通报, the result), the city's reply, and the
/// review — accept, or send back with a reason — plus 催办/督办 by hand while it is open.
/// </summary>
internal sealed class DetailModel(ConsoleQueries queries, IAssignmentWorkflow workflow, IMessageBus bus) : ConsolePageModel
{
    public Assignment Assignment { get; private set; } = null!;

    [BindProperty] public string? Reason { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string caseNumber, CancellationToken ct)
    {
        var row = await queries.AssignmentAsync(caseNumber, ct);
        if (row is null)
        {
            return NotFound();
        }

        Assignment = row;
        return Page();
    }

    public Task<IActionResult> OnPostAcceptAsync(string caseNumber, CancellationToken ct) => ReviewAsync(caseNumber, accept: true, ct);

    public Task<IActionResult> OnPostSendBackAsync(string caseNumber, CancellationToken ct) => ReviewAsync(caseNumber, accept: false, ct);

    public async Task<IActionResult> OnPostRemindAsync(string caseNumber, string kind, CancellationToken ct)
    {
        var row = await queries.AssignmentAsync(caseNumber, ct);
        if (row is null)
        {
            return NotFound();
        }

        var reminder = kind == "supervise" ? ReminderKind.Supervise : ReminderKind.Urge;
        await workflow.RemindAsync(caseNumber, reminder, bus, ct);
        return LocalRedirect("~/console/assignments/" + caseNumber);
    }

    private async Task<IActionResult> ReviewAsync(string caseNumber, bool accept, CancellationToken ct)
    {
        var row = await queries.AssignmentAsync(caseNumber, ct);
        if (row is null)
        {
            return NotFound();
        }

        Assignment = row;
        if (row.Status != AssignmentStatus.Resolved)
        {
            Error = "NoResultToReview";
            Response.StatusCode = 409;
            return Page();
        }

        if (!accept && string.IsNullOrWhiteSpace(Reason))
        {
            Error = "ReasonRequired";
            Response.StatusCode = 400;
            return Page();
        }

        await bus.InvokeAsync(new ReviewAssignmentResult(caseNumber, accept, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(),
            User.Identity?.Name ?? "unknown"), ct);
        return LocalRedirect("~/console/assignments/" + caseNumber);
    }
}
