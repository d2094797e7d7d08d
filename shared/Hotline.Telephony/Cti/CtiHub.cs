using System.Security.Claims;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.SignalR;

namespace Hotline.Telephony.Cti;

/// <summary>
/// The CTI hub (/hubs/cti): streams call and agent events to the agent workbench. Staff who handle calls get the caller's
/// number in full; everyone else gets it masked.
/// </summary>
internal sealed class CtiHub : Hub
{
    public const string FullGroup = "cti-full";
    public const string MaskedGroup = "cti-masked";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, CtiAccess.SeesFullNumbers(Context.User) ? FullGroup : MaskedGroup).ConfigureAwait(false);
        await base.OnConnectedAsync().ConfigureAwait(false);
    }
}

/// <summary>Who may see and do what in CTI.</summary>
internal static class CtiAccess
{
    public static bool SeesFullNumbers(ClaimsPrincipal? user) =>
        user is not null && (user.IsInRole(HotlineRoles.Agent) || user.IsInRole(HotlineRoles.TeamLead) || user.IsInRole(HotlineRoles.Administrator));

    /// <summary>A team lead or an administrator (person or client): may change any agent's state and act on any call.</summary>
    public static bool Supervises(ClaimsPrincipal user) =>
        user.IsInRole(HotlineRoles.TeamLead) || user.IsInRole(HotlineRoles.Administrator);

    /// <summary>The agent themself, their team lead, or an administrator (person or client).</summary>
    public static bool MayChangeAgent(ClaimsPrincipal user, string extension) =>
        Supervises(user) || user.FindAll(HotlineClaims.Extension).Any(c => c.Value == extension);
}

/// <summary>Sends every call event to the hub's groups (the <see cref="ICallEventSink"/> of a hosted engine).</summary>
internal sealed class CtiBroadcaster(IHubContext<CtiHub> hub) : ICallEventSink
{
    public void Publish(CallEvent callEvent)
    {
        var masked = callEvent with { Caller = callEvent.Caller is null ? null : Masking.Phone(callEvent.Caller) };
        _ = hub.Clients.Group(CtiHub.FullGroup).SendAsync("callEvent", callEvent);
        _ = hub.Clients.Group(CtiHub.MaskedGroup).SendAsync("callEvent", masked);
    }
}
