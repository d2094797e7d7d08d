using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Cases.Get;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Ticketing.Pages.Staff.Cases;

/// <summary>
/// 电话受理: an agent files a case from a call. The workbench's screen pop opens it with
/// <c>?phone=…&amp;callId=…&amp;recordingId=…&amp;ivr=…</c>; the form is prefilled (the IVR choice picks the type) and the
/// caller's earlier cases are listed, masked per role, before anything is saved.
/// </summary>
[Authorize(Policy = HotlinePolicies.Staff)]
[Authorize(Roles = HotlineRoles.Agent + "," + HotlineRoles.TeamLead + "," + HotlineRoles.Administrator)]
internal sealed class PhoneModel(AcceptCaseHandler handler, CaseQueries queries, ReferenceData reference) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Phone { get; set; }
    [BindProperty(SupportsGet = true)] public string? CallId { get; set; }
    [BindProperty(SupportsGet = true)] public string? RecordingId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Ivr { get; set; }
    [BindProperty] public string Type { get; set; } = "complaint";
    [BindProperty] public string? Category { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public bool Confidential { get; set; }
    [BindProperty] public string? Enterprise { get; set; }
    [BindProperty] public string? Location { get; set; }
    [BindProperty] public string Priority { get; set; } = "normal";

    public IReadOnlyList<CaseListItem> Earlier { get; private set; } = [];
    public IReadOnlyList<CategoryCode> Categories { get; private set; } = [];
    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Type = TypeOfIvr(Ivr);
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!JsonNames.TryParse<CaseType>(Type, out var type))
        {
            errors["type"] = ["Must be complaint, report, inquiry, suggestion, help or praise."];
        }

        if (!JsonNames.TryParse<CasePriority>(Priority, out var priority))
        {
            errors["priority"] = ["Must be normal or urgent."];
        }

        if (errors.Count == 0)
        {
            var command = new AcceptCase(CaseChannel.Phone, type, Description ?? "", Category, Phone, Name, Confidential, Enterprise, Location,
                RecordingId: RecordingId);
            var result = await handler.AcceptAsync(command, new AcceptExtras(priority, CallId: CallId), PageActor.Of(HttpContext), ct);
            if (result.IsSuccess)
            {
                return Redirect($"~/staff/cases/{Uri.EscapeDataString(result.Value.CaseNumber)}?done=true");
            }

            errors = result.Error!.Fields?.ToDictionary(f => f.Key, f => f.Value) ?? new Dictionary<string, string[]> { ["form"] = [result.Error.Message] };
        }

        Errors = errors;
        Response.StatusCode = 400;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The default IVR menu: 1 complaint/report, 2 inquiry, 3 suggestion; a type name is taken as it is.</summary>
    internal static string TypeOfIvr(string? ivr) => ivr?.Trim() switch
    {
        "1" => "complaint",
        "2" => "inquiry",
        "3" => "suggestion",
        { } name when JsonNames.TryParse<CaseType>(name, out var t) => JsonNames.Camel(t.ToString()),
        _ => "complaint",
    };

    private async Task LoadAsync(CancellationToken ct)
    {
        Categories = [.. (await reference.GetAsync(ct)).Categories.Values.OrderBy(c => c.Code)];
        Earlier = string.IsNullOrWhiteSpace(Phone) ? [] : await queries.ByPhoneAsync(Phone, PageActor.Of(HttpContext), ct);
    }
}
