using Hotline.Federation.Assignments;
using Hotline.Federation.OfficerConsole;
using Hotline.Federation.Persistence;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Federation.Pages.Console.Assignments;

/// <summary>交办列表: the assignments this node made, with filters and paging.</summary>
internal sealed class IndexModel(ConsoleQueries queries) : ConsolePageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? City { get; set; }
    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public PageOf<Assignment> Result { get; private set; } = new([], 0, 1, 20);

    public static readonly string[] Statuses =
        ["open", AssignmentStatus.Assigned, AssignmentStatus.InProgress, AssignmentStatus.Resolved, AssignmentStatus.Returned,
         AssignmentStatus.SentBack, AssignmentStatus.Accepted];

    public async Task OnGetAsync(CancellationToken ct) =>
        Result = await queries.AssignmentsAsync(new AssignmentFilter(Status, City, Overdue, From, PageNumber), ct);

    public bool IsOverdue(Assignment a) => a.Deadline < Now && AssignmentWorkflow.IsOpen(a);
}
