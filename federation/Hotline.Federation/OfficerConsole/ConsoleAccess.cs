using System.Security.Claims;
using Hotline.SharedKernel;

namespace Hotline.Federation.OfficerConsole;

/// <summary>Who may use the province and ministry consoles: officers (督办员) and admins, at a province or the ministry.</summary>
internal static class ConsoleAccess
{
    /// <summary>Roles that see the consoles.</summary>
    public static readonly string[] Roles = [HotlineRoles.Officer, HotlineRoles.Administrator];

    /// <summary>True when <paramref name="user"/> may use the consoles at <paramref name="node"/>.</summary>
    public static bool Allows(ClaimsPrincipal user, NodeOptions node) =>
        node.Tier != NodeTier.Municipal && user.Identity?.IsAuthenticated == true && Roles.Any(user.IsInRole);

    /// <summary>
    /// True when <paramref name="city"/> is within this node's subtree: any city at the ministry, its own cities at a
    /// province (by region code, so also a city that has not reported yet).
    /// </summary>
    public static bool InScope(NodeOptions node, string city) =>
        RegionCode.IsValid(city) && (node.Tier == NodeTier.National || RegionCode.ProvinceOf(city) == node.Id);
}
