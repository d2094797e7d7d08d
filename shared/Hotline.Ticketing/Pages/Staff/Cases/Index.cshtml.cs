using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Get;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Ticketing.Pages.Staff.Cases;

/// <summary>我的待办 and 工单查询: the staff work queue with search and filters.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class IndexModel(CaseQueries queries) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }
    [BindProperty(SupportsGet = true)] public bool Major { get; set; }
    [BindProperty(SupportsGet = true)] public bool Queue { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<CaseListItem> Items { get; private set; } = [];
    public int Total { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var actor = PageActor.Of(HttpContext);
        if (Status is null && Type is null && Q is null && !Overdue && !Major && !Request.Query.ContainsKey("queue"))
        {
            Queue = true;
        }

        var filter = new CaseFilter(Status, Type, Q, Overdue, null, Major, PageNumber, 50, Queue ? CaseQueries.QueueOf(actor) : null);
        (Items, Total) = await queries.SearchAsync(filter, actor, ct);
    }
}
