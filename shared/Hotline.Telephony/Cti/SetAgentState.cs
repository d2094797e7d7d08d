using System.Security.Claims;
using Hotline.SharedKernel;
using Hotline.Telephony.CallControl;

namespace Hotline.Telephony.Cti;

/// <summary>Sets an agent's state (示忙/示闲/签出) on behalf of the agent, their team lead or an administrator.</summary>
internal static class SetAgentState
{
    public static Result<Unit> Handle(CallCenter calls, ClaimsPrincipal user, string extension, AgentStateRequest request)
    {
        AgentState? target = request.State switch
        {
            "ready" => AgentState.Ready,
            "notReady" => AgentState.NotReady,
            "loggedOut" => AgentState.LoggedOut,
            _ => null,
        };
        if (target is null)
        {
            return Error.Validation(new Dictionary<string, string[]>
            {
                ["state"] = ["state must be one of ready, notReady, loggedOut."],
            });
        }

        var current = calls.Acd.StateOf(extension);
        if (current is null)
        {
            return Error.NotFound("cti.agent_not_found", $"No agent has extension {extension}.");
        }

        if (!CtiAccess.MayChangeAgent(user, extension))
        {
            return Error.Forbidden("cti.not_your_extension", "Only the agent, a team lead or an administrator may change this state.");
        }

        if (target == AgentState.Ready && current is AgentState.Ringing or AgentState.Talking)
        {
            return Error.Conflict("cti.agent_busy", $"Agent {extension} is {CtiEndpoints.StateName(current.Value)}; the state changes after the call.");
        }

        calls.SetAgentState(extension, target.Value, request.Reason);
        return Result.Ok();
    }
}
