using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Get;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Ticketing.Pages.Enterprise;

/// <summary>企业直通车 portal: the open complaints routed to the signed-in enterprise, complainant identity hidden.</summary>
[Authorize(Policy = HotlinePolicies.Staff, Roles = HotlineRoles.Enterprise)]
internal sealed class CasesModel(CaseQueries queries) : PageModel
{
    public IReadOnlyList<CaseListItem> Items { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var actor = PageActor.Of(HttpContext);
        if (actor.Enterprise is null)
        {
            return Forbid();
        }

        (Items, _) = await queries.SearchAsync(new CaseFilter(Status: "open", PageSize: 200), actor with { Roles = [HotlineRoles.Enterprise] }, ct);
        return Page();
    }
}
