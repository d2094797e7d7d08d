using Hotline.SharedKernel;
using Hotline.Web;

namespace Hotline.Municipal.Workbench;

/// <summary>
/// The agent workbench (坐席工作台) is the city's meeting point of CTI and ticketing: its screen pop opens ticketing's
/// phone intake for the call telephony rings at the agent's phone. The page itself lives in this folder
/// (<c>Workbench.cshtml</c>, routed as <c>/staff/workbench</c>); this adds its navigation link.
/// </summary>
internal static class WorkbenchComposition
{
    public static IServiceCollection AddAgentWorkbench(this IServiceCollection services) =>
        services.AddNavLink(new NavLink("/staff/workbench", "坐席工作台", "Agent workbench", Order: 18,
            Roles: [HotlineRoles.Agent, HotlineRoles.TeamLead]));
}
