using System.Globalization;
using System.Text;
using Hotline.Telephony.Sip.Dialogs;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transactions;

namespace Hotline.Telephony.CallControl;

/// <summary>Where a call is transferred: an extension, or a queue.</summary>
internal sealed record TransferTarget(string? Extension, string? Queue)
{
    public override string ToString() => Extension ?? "queue:" + Queue;
}

/// <summary>
/// Blind transfer (盲转) of a talking call, from CTI or from the agent's phone (REFER with its implicit subscription,
/// RFC 3515, NOTIFY message/sipfrag, RFC 3420): the caller hears music while the target rings; the agent who transferred
/// is released (BYE from the engine for CTI; after the final NOTIFY for REFER, unless the phone hangs up first) and goes
/// to wrap-up; the new agent is bridged into the same caller leg, recording and CDR. A target that does not answer
/// sends a queue call back to its queue, and ends a direct call. The answered figures count the call once.
/// </summary>
internal sealed partial class Call
{
    private readonly List<AgentLeg> _transferors = [];
    private bool _transferring;
    private DateTimeOffset? _agentSince;
    private Action<int, string>? _referProgress; // the REFER's NOTIFY, when a phone asked for the transfer

    /// <summary>Why the call cannot be transferred to <paramref name="target"/> now, or null.</summary>
    public string? CanTransfer(TransferTarget target) =>
        _phase != CallPhase.Talking || _agent is null ? $"the call is {StateName}, only a call in talk can be transferred"
        : _transferring ? "the call is already being transferred"
        : target.Extension == _agent.Extension ? $"the call already talks with {target.Extension}"
        : null;

    public Task TransferFromCtiAsync(TransferTarget target) => CanTransfer(target) is null ? BlindTransferAsync(target, viaRefer: false) : Task.CompletedTask;

    private async Task BlindTransferAsync(TransferTarget target, bool viaRefer)
    {
        var old = _agent!;
        _rtpTimer.Cancel();
        _hold = null;
        _heldByCti = false;
        _callerMedia?.StopRelay();
        old.Media.StopRelay();
        lock (_mediaGate)
        {
            _holdTarget = _callerMedia; // music while the target rings
            _player.Play([], _center.Prompts.MusicOnHold);
        }

        _agent = null;
        _transferors.Add(old);
        _transferring = true;
        var talk = _center.Time.GetUtcNow() - (_agentSince ?? _center.Time.GetUtcNow());
        if (_center.Acd.IsAgent(old.Extension))
        {
            _center.Acd.CallEnded(old.Extension, talk, wrapUp: true);
            _center.StartWrapUp(old.Extension);
        }

        if (!viaRefer)
        {
            SendBye(old);
            old.Ended = true;
        }

        LogState("transferring:" + target);
        _center.Publish("transferring", this, target.ToString(), old.Extension);
        if (target.Queue is { } queue)
        {
            _phase = CallPhase.Ringing; // leaves talking; Enqueue makes it queued
            Enqueue(queue);
            return;
        }

        _phase = CallPhase.Ringing;
        await OfferAsync([target.Extension!]).ConfigureAwait(false);
    }

    private void TransferCompleted(AgentLeg leg)
    {
        _transferring = false;
        _center.Publish("transferred", this, "talking", leg.Extension);
        _referProgress?.Invoke(200, "OK");
        _referProgress = null;
    }

    private async Task TransferFailedAsync(int status)
    {
        _transferring = false;
        _center.Publish("transferFailed", this, status.ToString(CultureInfo.InvariantCulture));
        _referProgress?.Invoke(status >= 400 ? status : 480, SipResponse.DefaultReason(status >= 400 ? status : 480));
        _referProgress = null;
        if (Queue is not null)
        {
            Requeue(); // back to the queue it came from
            return;
        }

        await HangUpAllAsync("transferFailed").ConfigureAwait(false);
    }

    /// <summary>A REFER from the agent's phone: a blind transfer to the extension in Refer-To (Replaces is not taken).</summary>
    private void OnRefer(Dialog dialog, ServerTransaction t, bool fromAgent)
    {
        var request = t.Request;
        if (!fromAgent)
        {
            t.SendResponse(request.CreateResponse(403, "Only The Agent May Transfer"));
            return;
        }

        if (!NameAddress.TryParse(request.Headers["Refer-To"], out var referTo) || referTo.SipUri?.User is not { } user)
        {
            t.SendResponse(request.CreateResponse(400, "Bad Refer-To"));
            return;
        }

        if (referTo.Uri.Contains("Replaces", StringComparison.OrdinalIgnoreCase))
        {
            t.SendResponse(request.CreateResponse(501, "Attended Transfer Not Supported"));
            return;
        }

        var target = user == Options.Hotline
            ? new TransferTarget(null, _center.Acd.QueueForDigit("0")?.Name ?? _center.Acd.QueueNames.First())
            : _center.Acd.Queue(user) is not null ? new TransferTarget(null, user) : new TransferTarget(user, null);
        if (target.Extension is { } extension && Engine.Registrar.FindAll(extension).Count == 0)
        {
            t.SendResponse(request.CreateResponse(404, "Extension Not Registered"));
            return;
        }

        if (CanTransfer(target) is { } why)
        {
            t.SendResponse(request.CreateResponse(488, why.Length > 60 ? "Not Acceptable Here" : why));
            return;
        }

        var accepted = request.CreateResponse(202);
        accepted.Headers.Add("Contact", dialog.LocalContact);
        t.SendResponse(accepted);
        var transferor = _agent!;
        SendReferNotify(transferor, 100, "Trying", final: false);
        _referProgress = (status, reason) => SendReferNotify(transferor, status, reason, final: true);
        _ = BlindTransferAsync(target, viaRefer: true);
    }

    /// <summary>The REFER's implicit subscription: a NOTIFY with the new leg's progress as message/sipfrag; the last ends it and the transferor's leg.</summary>
    private void SendReferNotify(AgentLeg leg, int status, string reason, bool final)
    {
        if (leg.Ended)
        {
            return;
        }

        var notify = leg.Dialog.CreateRequest("NOTIFY");
        notify.Headers.Add("Event", "refer");
        notify.Headers.Add("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60");
        notify.Headers.Add("Content-Type", "message/sipfrag;version=2.0");
        notify.Body = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"SIP/2.0 {status} {reason}\r\n"));
        var tx = leg.Dialog.Send(notify);
        if (final)
        {
            // The transferor usually hangs up on the final NOTIFY; if it has not a moment later, the engine does.
            _ = tx.FinalResponse.ContinueWith(_ => Engine.Wheel.Schedule(TimeSpan.FromSeconds(2), () => Post(() =>
            {
                if (!leg.Ended)
                {
                    SendBye(leg);
                    leg.Ended = true;
                }
            })), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>A request in a transferor's dialog: its BYE ends that leg only; anything else is refused (481).</summary>
    private void OnTransferorRequest(AgentLeg leg, ServerTransaction t)
    {
        var request = t.Request;
        if (request.Method == "BYE")
        {
            leg.Ended = true;
            t.SendResponse(request.CreateResponse(200));
            return;
        }

        t.SendResponse(request.CreateResponse(481)); // the leg is out of the call: nothing else is taken in it
    }

    /// <summary>At the end: every transferor leg still up gets its BYE, its port goes back, its dialog leaves the table.</summary>
    private async Task ReleaseTransferorsAsync()
    {
        foreach (var leg in _transferors)
        {
            if (!leg.Ended)
            {
                SendBye(leg);
                leg.Ended = true;
            }

            leg.Dialog.Terminate(DialogLinger);
            await leg.Media.DisposeAsync().ConfigureAwait(false);
        }

        _transferors.Clear();
    }
}
