using System.Security.Claims;
using Hotline.SharedKernel;

namespace Hotline.Ticketing.Cases;

/// <summary>Who is acting: their id, roles, enterprise/unit binding and network address (for the audit trail).</summary>
internal sealed record Actor(string Id, IReadOnlyCollection<string> Roles, string? Enterprise, string? Unit, string? RemoteAddress)
{
    public const string EnterpriseClaim = "enterprise";
    public const string UnitClaim = "unit";

    public static readonly Actor System = new("system", [HotlineRoles.Administrator], null, null, null);

    public static readonly Actor Public = new("public", [], null, null, null);

    public static Actor From(ClaimsPrincipal user, string? remoteAddress)
    {
        var id = user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        var roles = user.Claims.Where(c => c.Type is ClaimTypes.Role or "role").Select(c => c.Value).Distinct().ToArray();
        return new Actor(id, roles, user.FindFirst(EnterpriseClaim)?.Value, user.FindFirst(UnitClaim)?.Value, remoteAddress);
    }

    public bool Is(string role) => Roles.Contains(role);

    /// <summary>Staff who need the complainant's identity to do their work (and are audited when they see it).</summary>
    public bool SeesPersonalData => Roles.Any(r => r is HotlineRoles.Agent or HotlineRoles.TeamLead or HotlineRoles.QualityInspector
        or HotlineRoles.Reviewer or HotlineRoles.Administrator);

    public bool IsEnterpriseOnly => Is(HotlineRoles.Enterprise) && !SeesPersonalData;
}
