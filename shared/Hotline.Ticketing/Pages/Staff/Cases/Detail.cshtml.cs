using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Act;
using Hotline.Ticketing.Cases.Get;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Ticketing.Pages.Staff.Cases;

/// <summary>工单详情: the case, its deadline, timeline, duplicates panel and one form per action the state and role allow.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class DetailModel(CaseQueries queries, TakeActionHandler actions) : PageModel
{
    [BindProperty(SupportsGet = true)] public string CaseNumber { get; set; } = "";
    [BindProperty(SupportsGet = true)] public bool Done { get; set; }

    [BindProperty] public string? Unit { get; set; }
    [BindProperty] public bool UnitIsEnterprise { get; set; }
    [BindProperty] public bool DiscloseToEnterprise { get; set; }
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? Text { get; set; }
    [BindProperty] public string? Satisfaction { get; set; }
    [BindProperty] public int? Days { get; set; }
    [BindProperty] public string? TargetNode { get; set; }
    [BindProperty] public string? MasterCaseNumber { get; set; }

    public StaffCaseView Case { get; private set; } = null!;
    public IReadOnlyList<DuplicateMatch> Duplicates { get; private set; } = [];
    public Error? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostActAsync(string action, CancellationToken ct)
    {
        if (!JsonNames.TryParse<CaseAction>(action, out var caseAction))
        {
            return NotFound();
        }

        Satisfaction? satisfaction = JsonNames.TryParse<Satisfaction>(Satisfaction, out var s) ? s : null;
        var input = new ActionInput(Unit, UnitIsEnterprise, Blank(Reason), Blank(Text), satisfaction, Days, Blank(TargetNode), Blank(MasterCaseNumber),
            DiscloseToEnterprise);
        var result = await actions.HandleAsync(new TakeAction(CaseNumber, caseAction, input), PageActor.Of(HttpContext), ct);
        return await AfterAsync(result.Error, ct);
    }

    public async Task<IActionResult> OnPostMajorAsync(CancellationToken ct) =>
        await AfterAsync((await actions.FlagMajorAsync(CaseNumber, Reason ?? "", PageActor.Of(HttpContext), ct)).Error, ct);

    public async Task<IActionResult> OnPostRemindAsync(bool supervise, CancellationToken ct) =>
        await AfterAsync((await actions.RemindAsync(CaseNumber, supervise, Text, PageActor.Of(HttpContext), ct)).Error, ct);

    private async Task<IActionResult> AfterAsync(Error? error, CancellationToken ct)
    {
        if (error is null)
        {
            return RedirectToPage(new { caseNumber = CaseNumber, done = true });
        }

        Problem = error;
        Response.StatusCode = error.Kind switch
        {
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        return await LoadAsync(ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var actor = PageActor.Of(HttpContext);
        var result = await queries.GetStaffAsync(CaseNumber, actor, ct);
        if (!result.IsSuccess)
        {
            return false;
        }

        Case = result.Value;
        if (!actor.IsEnterpriseOnly)
        {
            var dups = await queries.DuplicatesAsync(CaseNumber, actor, ct);
            Duplicates = dups.IsSuccess ? dups.Value : [];
        }

        return true;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static class StatusCodes
    {
        public const int Status400BadRequest = 400;
        public const int Status403Forbidden = 403;
        public const int Status404NotFound = 404;
        public const int Status409Conflict = 409;
    }
}
