using System.Globalization;
using Hotline.Directory.Contracts;
using Hotline.Federation.Assignments;
using Hotline.Federation.OfficerConsole;
using Hotline.Federation.Persistence;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Pages.Console.Assignments;

/// <summary>
/// 交办 from a page: a city of this node's subtree (from the live directory; a province's configured cities as well),
/// type, category, description, location and a deadline (default: the node's assignment period). The same checks as
/// <c>POST /api/v1/assignments</c>; each bad field is named beside it.
/// </summary>
internal sealed class NewModel(IMessageBus bus, FederationDbContext db, AssignmentNumbers numbers, IOptions<FederationOptions> options)
    : ConsolePageModel
{
    public static readonly string[] Types = ["complaint", "report", "inquiry", "suggestion", "help", "praise"];

    [BindProperty] public string? TargetNode { get; set; }
    [BindProperty] public string? Type { get; set; } = "complaint";
    [BindProperty] public string? Category { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Location { get; set; }
    [BindProperty] public string? Deadline { get; set; }

    public IReadOnlyList<(string Id, string Name)> Cities { get; private set; } = [];

    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Deadline = (Now + options.Value.DefaultAssignmentPeriod).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        Cities = await CitiesAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var now = Now;
        DateTimeOffset? deadline = null;
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrWhiteSpace(Deadline))
        {
            if (DateTime.TryParse(Deadline, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                deadline = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), TimeSpan.FromHours(8));
            }
            else
            {
                errors["deadline"] = ["deadline must be a date and time (yyyy-MM-ddTHH:mm)."];
            }
        }

        if (TargetNode is { } target && RegionCode.IsValid(target) && !ConsoleAccess.InScope(Self, target))
        {
            errors["targetNode"] = [$"{target} is not a city under {Self.Id}."];
        }

        var description = Description?.Trim();
        if (!string.IsNullOrWhiteSpace(description) && (!string.IsNullOrWhiteSpace(Category) || !string.IsNullOrWhiteSpace(Location)))
        {
            // The assignment message carries type and description; category and place travel in the description.
            description = string.Join("\n", new[]
            {
                description,
                string.IsNullOrWhiteSpace(Category) ? null : "类别：" + Category.Trim(),
                string.IsNullOrWhiteSpace(Location) ? null : "地点：" + Location.Trim(),
            }.Where(x => x is not null));
        }

        var check = AssignmentEndpoints.Validate(new AssignCaseRequest(TargetNode, Type, description, deadline), Self, options.Value, now,
            "pending", User.Identity?.Name ?? "unknown");
        if (!check.IsSuccess || errors.Count > 0)
        {
            foreach (var (k, v) in check.Error?.Fields ?? new Dictionary<string, string[]>())
            {
                errors.TryAdd(k, v);
            }

            Errors = errors;
            Cities = await CitiesAsync(ct);
            Response.StatusCode = 400;
            return Page();
        }

        var caseNumber = await numbers.NextAsync(db, ct);
        await bus.InvokeAsync(check.Value with { CaseNumber = caseNumber }, ct);
        return LocalRedirect("~/console/assignments/" + caseNumber);
    }

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var e) ? string.Join(" ", e) : null;

    private async Task<IReadOnlyList<(string Id, string Name)>> CitiesAsync(CancellationToken ct)
    {
        var cities = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Self.Tier == NodeTier.Provincial)
        {
            foreach (var child in Self.Children)
            {
                cities[child] = Hotline.Web.RegionNames.NameOf(child);
            }
        }

        if (HttpContext.RequestServices.GetService<IDirectoryNodes>() is { } directory)
        {
            var listing = await directory.HandleAsync(ct);
            foreach (var n in listing.Nodes.Where(n => !RegionCode.IsProvince(n.Id) && n.Id != NodeOptions.NationalId && ConsoleAccess.InScope(Self, n.Id)))
            {
                cities[n.Id] = n.Name;
            }
        }

        return [.. cities.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value))];
    }
}
