using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Web.Pages.Staff;

/// <summary>The staff home page (工作台) every signed-in user lands on: who they are, their roles, their links.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
public sealed class StaffHomeModel : PageModel
{
    public string DisplayName { get; private set; } = string.Empty;

    public IReadOnlyList<string> Roles { get; private set; } = [];

    public void OnGet()
    {
        DisplayName = User.FindFirst("display_name")?.Value ?? User.Identity?.Name ?? string.Empty;
        Roles = [.. HotlineRoles.All.Append(HotlineRoles.Node).Where(User.IsInRole)];
    }
}
