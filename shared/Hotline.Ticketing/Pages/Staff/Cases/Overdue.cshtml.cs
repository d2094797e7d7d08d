using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Get;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Ticketing.Pages.Staff.Cases;

/// <summary>超期督办看板: overdue cases (oldest deadline first) and cases due within two days.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class OverdueModel(CaseQueries queries) : PageModel
{
    public IReadOnlyList<CaseListItem> Overdue { get; private set; } = [];
    public IReadOnlyList<CaseListItem> DueSoon { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var actor = PageActor.Of(HttpContext);
        (Overdue, _) = await queries.SearchAsync(new CaseFilter(OverdueOnly: true, PageSize: 200), actor, ct);
        (DueSoon, _) = await queries.SearchAsync(new CaseFilter(Status: "open", DueWithinDays: 2, PageSize: 200), actor, ct);
    }
}
