using Hotline.ServiceDefaults;
using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Domain;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Hotline.Ticketing.Pages.Cases;

/// <summary>The citizen's case form (网上投诉/咨询): works without JavaScript; the same validation as the public API.</summary>
[AllowAnonymous]
[EnableRateLimiting(ServiceDefaultsExtensions.PublicRateLimitPolicy)]
[PublicRateLimit(PublicRateLimits.CaseFiling)]
internal sealed class NewModel(AcceptCaseHandler handler) : PageModel
{
    [BindProperty] public string Type { get; set; } = "complaint";
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Phone { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Enterprise { get; set; }
    [BindProperty] public string? Location { get; set; }

    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public AcceptedCase? Accepted { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!JsonNames.TryParse<CaseType>(Type, out var type))
        {
            Errors = new Dictionary<string, string[]> { ["type"] = ["请选择诉求类型。"] };
            return Page();
        }

        var command = new AcceptCase(CaseChannel.Web, type, Description ?? "", null, Phone, Name, false, Enterprise, Location);
        var actor = Actor.Public with { RemoteAddress = HttpContext.Connection.RemoteIpAddress?.ToString() };
        var result = await handler.AcceptAsync(command, new AcceptExtras(), actor, ct);
        if (!result.IsSuccess)
        {
            Errors = result.Error!.Fields ?? new Dictionary<string, string[]> { ["form"] = [result.Error.Message] };
            Response.StatusCode = 400;
            return Page();
        }

        Accepted = result.Value;
        return Page();
    }
}
