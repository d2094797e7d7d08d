using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Municipal.Workbench;

/// <summary>
/// 坐席工作台 (agent workbench), <c>/staff/workbench</c>: the signed-in agent's extension and state with the
/// 就绪/小休/签出 buttons, the live queue board, and the screen pop (来电弹屏) that opens phone intake for the call
/// ringing at their phone. The page is the agent's toolbar; the voice stays on their SIP phone. Everything live comes
/// from telephony's CTI (<c>/api/v1/cti/*</c>, hub <c>/hubs/cti</c>) in the browser, with the user's own cookie.
/// </summary>
[Authorize(Policy = HotlinePolicies.Staff)]
[Authorize(Roles = HotlineRoles.Agent + "," + HotlineRoles.TeamLead)]
internal sealed class WorkbenchModel : PageModel
{
    /// <summary>Reasons offered for 示忙 (not ready); the API takes any text, these keep reports comparable.</summary>
    public static readonly string[] NotReadyReasons = ["Break", "Meal", "Training", "Meeting"];

    /// <summary>
    /// The CTI call-command refusals (ProblemDetails <c>code</c>) the page explains in words the agent can act on; any
    /// other failure shows the server's own detail.
    /// </summary>
    public static readonly string[] CallErrors =
    [
        "cti.not_your_call", "cti.not_call_staff", "cti.call_not_found", "cti.not_ringing", "cti.action_not_available", "network", "signedOut", "phoneRefused",
    ];

    /// <summary>The agent's SIP extension (the <c>extension</c> claim), or null when the account has none.</summary>
    public string? Extension { get; private set; }

    public void OnGet() => Extension = User.FindFirst(HotlineClaims.Extension)?.Value;
}
