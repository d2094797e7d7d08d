using Hotline.SharedKernel;
using Hotline.Telephony.Sip;

namespace Hotline.Telephony.Cti;

/// <summary>
/// A CTI command on a call in progress: 应答 answer (the ringing agent phone goes off hook), 挂断 hang up; the
/// call-control actions are refused with a reason.
/// </summary>
internal static class CallCommand
{
    private static readonly HashSet<string> CallControlActions = new(StringComparer.Ordinal)
    {
        "hold", "resume", "transfer", "consult", "conference", "listen", "whisper", "barge",
    };

    public static Result<Unit> Handle(SipEngine engine, string callId, string action)
    {
        if (action is not ("hangup" or "answer") && !CallControlActions.Contains(action))
        {
            return Error.Validation(new Dictionary<string, string[]>
            {
                ["action"] = [$"'{action}' is not a call action; use answer, hangup, hold, resume, transfer, consult, conference, listen, whisper or barge."],
            });
        }

        if (!engine.Calls.Snapshot().Any(c => c.CallId == callId && c.State != "ended"))
        {
            return Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
        }

        if (action == "answer")
        {
            return engine.Calls.Answer(callId)
                ? Result.Ok()
                : Error.Conflict("cti.not_ringing", "The call is not ringing at an agent's phone, so there is nothing to answer.");
        }

        if (action != "hangup")
        {
            return Error.Conflict("cti.action_not_available", $"This engine does not support '{action}' yet (call control comes later).");
        }

        return engine.Calls.HangUp(callId) ? Result.Ok() : Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
    }
}
