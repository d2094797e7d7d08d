using System.Security.Claims;
using Hotline.SharedKernel;
using Hotline.Telephony.CallControl;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.Cti;

/// <summary>
/// A CTI command on a call in progress: 应答 answer (the ringing agent phone goes off hook), 挂断 hang up, 保持 hold and
/// 恢复 resume, 转接 blind transfer (body <c>{"target"}</c>); the other call-control actions are refused with a reason. Who may act: an agent on a call that rings or talks at their own
/// extension; a team lead or an administrator (a person, or a client with the role) on any call of the node; nobody
/// else. Every command, done or refused, leaves an audit line naming who did what to which call (caller masked).
/// </summary>
internal static partial class CallCommand
{
    /// <summary>The logger category of the audit lines.</summary>
    public const string AuditCategory = "Hotline.Telephony.Cti.Audit";

    private static readonly HashSet<string> CallControlActions = new(StringComparer.Ordinal)
    {
        "hold", "resume", "transfer", "consult", "conference", "listen", "whisper", "barge",
    };

    public static Result<Unit> Handle(CallCenter calls, ClaimsPrincipal user, string callId, string action, ILogger audit) =>
        Handle(calls, user, callId, action, null, audit);

    /// <summary>As above, with the body's <paramref name="target"/> (transfer: <c>8002</c> or <c>queue:inquiry</c>).</summary>
    public static Result<Unit> Handle(CallCenter calls, ClaimsPrincipal user, string callId, string action, string? target, ILogger audit)
    {
        if (action is not ("hangup" or "answer") && !CallControlActions.Contains(action))
        {
            return Error.Validation(new Dictionary<string, string[]>
            {
                ["action"] = [$"'{action}' is not a call action; use answer, hangup, hold, resume, transfer, consult, conference, listen, whisper or barge."],
            });
        }

        var actor = Actor(user);
        var anyCall = CtiAccess.Supervises(user);
        var extensions = user.IsInRole(HotlineRoles.Agent)
            ? user.FindAll(HotlineClaims.Extension).Select(c => c.Value).ToArray()
            : [];
        if (!anyCall && extensions.Length == 0)
        {
            LogRefused(audit, actor, action, callId, "-", "not an agent, team lead or administrator");
            return Error.Forbidden("cti.not_call_staff",
                "Only an agent (on a call at their own extension), a team lead or an administrator may act on calls.");
        }

        var call = calls.Snapshot().FirstOrDefault(c => c.CallId == callId && c.State != "ended");
        if (call is null)
        {
            return Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
        }

        var caller = Masking.Phone(call.Caller);
        if (!anyCall && !extensions.Any(e => calls.IsAtExtension(callId, e)))
        {
            LogRefused(audit, actor, action, callId, caller, $"the call is {call.State}, not at extension {string.Join('/', extensions)}");
            return Error.Forbidden("cti.not_your_call",
                $"Call {callId} neither rings nor talks at your extension {string.Join('/', extensions)}; only its agent, a team lead or an administrator may act on it.");
        }

        var result = Execute(calls, callId, action, target);
        if (result.IsSuccess)
        {
            LogDone(audit, actor, action, callId, caller, call.State);
        }
        else
        {
            LogRefused(audit, actor, action, callId, caller, result.Error!.Code);
        }

        return result;
    }

    private static Result<Unit> Execute(CallCenter calls, string callId, string action, string? target)
    {
        if (action == "transfer")
        {
            return calls.Transfer(callId, target);
        }

        if (action == "answer")
        {
            return calls.Answer(callId)
                ? Result.Ok()
                : Error.Conflict("cti.not_ringing", "The call is not ringing at an agent's phone, so there is nothing to answer.");
        }

        if (action is "hold" or "resume")
        {
            return calls.Hold(callId, action == "hold");
        }

        if (action != "hangup")
        {
            return Error.Conflict("cti.action_not_available", $"This engine does not support '{action}' yet (call control comes later).");
        }

        return calls.HangUp(callId) ? Result.Ok() : Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
    }

    /// <summary>Who acts, for the audit line: the user name (or a client's display name), its subject and extension.</summary>
    private static string Actor(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "?";
        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var extension = user.FindFirst(HotlineClaims.Extension)?.Value;
        return name + (subject is null || subject == name ? string.Empty : $" ({subject})") + (extension is null ? string.Empty : $" ext {extension}");
    }

    [LoggerMessage(5080, LogLevel.Information, "CTI audit: {Actor} did {Action} on call {CallId} from {Caller} (was {State})")]
    private static partial void LogDone(ILogger logger, string actor, string action, string callId, string caller, string state);

    [LoggerMessage(5081, LogLevel.Warning, "CTI audit: {Actor} was refused {Action} on call {CallId} from {Caller}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string actor, string action, string callId, string caller, string reason);
}
