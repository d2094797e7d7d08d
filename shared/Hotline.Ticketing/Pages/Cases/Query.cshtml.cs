using Hotline.ServiceDefaults;
using Hotline.Ticketing.Cases.Get;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Hotline.Ticketing.Pages.Cases;

/// <summary>The citizen's progress query (办理进度查询) by case number and query code; personal data masked.</summary>
[AllowAnonymous]
[EnableRateLimiting(ServiceDefaultsExtensions.PublicRateLimitPolicy)]
[PublicRateLimit(PublicRateLimits.CaseQuery)]
internal sealed class QueryModel(CaseQueries queries) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? CaseNumber { get; set; }
    [BindProperty(SupportsGet = true)] public string? QueryCode { get; set; }

    public PublicCaseView? View { get; private set; }
    public bool NotFoundResult { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(CaseNumber) || string.IsNullOrWhiteSpace(QueryCode))
        {
            return;
        }

        var result = await queries.GetPublicAsync(CaseNumber.Trim(), QueryCode, ct);
        View = result.IsSuccess ? result.Value : null;
        NotFoundResult = !result.IsSuccess;
        if (NotFoundResult)
        {
            Response.StatusCode = 404;
        }
    }
}
