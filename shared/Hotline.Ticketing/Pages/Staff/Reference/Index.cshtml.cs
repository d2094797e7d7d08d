using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Hotline.Ticketing.Reference;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Ticketing.Pages.Staff.Reference;

/// <summary>基础数据维护: the category codes, the SLA table and the routing rules, for administrators and team leads.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
[Authorize(Roles = HotlineRoles.Administrator + "," + HotlineRoles.TeamLead)]
internal sealed class IndexModel(TicketingDbContext db, ReferenceDataEditor editor) : PageModel
{
    [BindProperty(SupportsGet = true)] public bool Done { get; set; }

    public IReadOnlyList<CategoryCode> Categories { get; private set; } = [];
    public IReadOnlyList<SlaRule> Sla { get; private set; } = [];
    public IReadOnlyList<RoutingRule> Routes { get; private set; } = [];
    public Error? Problem { get; private set; }

    /// <summary>Which form the problem belongs to ("category", "sla:12", "route:new"…), to show it next to that form.</summary>
    public string? ProblemForm { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostSaveCategoryAsync(string? code, string? name, string? parent, CancellationToken ct) =>
        await AfterAsync("category:" + code, await editor.SaveCategoryAsync(new CategoryInput(code, name, parent), PageActor.Of(HttpContext), ct), ct);

    public async Task<IActionResult> OnPostDeleteCategoryAsync(string code, CancellationToken ct) =>
        await AfterAsync("category:" + code, await editor.DeleteCategoryAsync(code, PageActor.Of(HttpContext), ct), ct);

    public async Task<IActionResult> OnPostSaveSlaAsync(long id, string? type, string? category, string? priority, int workingDays, int hours,
        CancellationToken ct) =>
        await AfterAsync("sla:" + id, await editor.SaveSlaAsync(new SlaInput(id, type, category, priority, workingDays, hours), PageActor.Of(HttpContext), ct), ct);

    public async Task<IActionResult> OnPostDeleteSlaAsync(long id, CancellationToken ct) =>
        await AfterAsync("sla:" + id, await editor.DeleteSlaAsync(id, PageActor.Of(HttpContext), ct), ct);

    public async Task<IActionResult> OnPostSaveRouteAsync(long id, string? category, string? enterprise, string? area, string? handlingUnit,
        bool isEnterprise, int rank, CancellationToken ct) =>
        await AfterAsync("route:" + id,
            await editor.SaveRouteAsync(new RouteInput(id, category, enterprise, area, handlingUnit, isEnterprise, rank), PageActor.Of(HttpContext), ct), ct);

    public async Task<IActionResult> OnPostDeleteRouteAsync(long id, CancellationToken ct) =>
        await AfterAsync("route:" + id, await editor.DeleteRouteAsync(id, PageActor.Of(HttpContext), ct), ct);

    private async Task<IActionResult> AfterAsync(string form, Result<Unit> result, CancellationToken ct)
    {
        if (result.IsSuccess)
        {
            return RedirectToPage(new { done = true });
        }

        Problem = result.Error;
        ProblemForm = form;
        Response.StatusCode = result.Error!.Kind switch
        {
            ErrorKind.NotFound => 404,
            ErrorKind.Forbidden => 403,
            ErrorKind.Conflict => 409,
            _ => 400,
        };
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Categories = await db.Categories.AsNoTracking().OrderBy(c => c.Code).ToListAsync(ct);
        Sla = (await db.SlaRules.AsNoTracking().ToListAsync(ct)).OrderBy(r => r.Type).ThenBy(r => r.Category).ThenBy(r => r.Priority).ToList();
        Routes = await db.RoutingRules.AsNoTracking().OrderBy(r => r.Rank).ThenBy(r => r.Id).ToListAsync(ct);
    }
}
