using System.Globalization;
using System.Text;
using Hotline.Telephony.Media;
using Hotline.Telephony.Sip.Dialogs;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transactions;

namespace Hotline.Telephony.CallControl;

/// <summary>Which party of a talking call is held (hears music on hold, is not heard).</summary>
internal enum HoldParty
{
    Caller,
    Agent,
}

/// <summary>
/// Hold and resume (保持/恢复) of a talking call: by a phone's re-INVITE (sendonly or inactive: the other party is held;
/// sendrecv again: resumed) or by CTI (the caller is held: re-INVITE sendonly to the caller, inactive to the agent's
/// phone; resume sends sendrecv to both). While held the bridge is open: the held party hears the prompts' music on hold,
/// neither voice is relayed, and the recording, which is placed by the wall clock, shows the hold as silence.
/// </summary>
internal sealed partial class Call
{
    private HoldParty? _hold;
    private RtpSession? _holdTarget; // read by the media clock under _mediaGate
    private long _sdpVersion;
    private bool _heldByCti;

    /// <summary>Who is on hold, if anyone.</summary>
    public HoldParty? Held => _hold;

    private long NextSdpVersion() => _sessionId + Interlocked.Increment(ref _sdpVersion);

    /// <summary>RFC 3264 §6.1: the answer to sendonly is recvonly, to inactive (or c=0.0.0.0, RFC 2543 hold) inactive.</summary>
    private static string AnswerDirection(SdpAudio offer) =>
        offer.Address.Equals(System.Net.IPAddress.Any) ? "inactive" : offer.Direction switch
        {
            "sendonly" => "recvonly",
            "inactive" => "inactive",
            "recvonly" => "sendonly",
            _ => "sendrecv",
        };

    /// <summary>A phone changed its direction: we answered <paramref name="answered"/>; <paramref name="other"/> is who it holds.</summary>
    private void OnPeerDirection(HoldParty other, string answered)
    {
        if (_phase != CallPhase.Talking)
        {
            return;
        }

        if (answered is "recvonly" or "inactive")
        {
            StartHold(other, "phone");
        }
        else if (answered == "sendrecv" && _hold == other && !_heldByCti)
        {
            EndHold("phone");
        }
    }

    /// <summary>CTI 保持: false (with the reason) when the call is not talking or already held.</summary>
    public string? CanHold() => _phase != CallPhase.Talking ? $"the call is {StateName}, only a call in talk can be held"
        : _hold is not null ? "the call is already on hold" : null;

    /// <summary>CTI 恢复: the reason when there is nothing to resume.</summary>
    public string? CanResume() => _phase != CallPhase.Talking ? $"the call is {StateName}, not in talk"
        : _hold is null ? "the call is not on hold" : null;

    public void HoldFromCti()
    {
        if (CanHold() is not null || _agent is null)
        {
            return;
        }

        _heldByCti = true;
        StartHold(HoldParty.Caller, "cti");
        ReInvite(_callerDialog, _callerMedia!, "sendonly");
        ReInvite(_agent.Dialog, _agent.Media, "inactive");
    }

    public void ResumeFromCti()
    {
        if (CanResume() is not null || _agent is null)
        {
            return;
        }

        var byCti = _heldByCti;
        _heldByCti = false;
        EndHold("cti");
        ReInvite(_callerDialog, _callerMedia!, "sendrecv");
        if (byCti)
        {
            ReInvite(_agent.Dialog, _agent.Media, "sendrecv");
        }
    }

    private void StartHold(HoldParty held, string by)
    {
        if (_hold == held)
        {
            return;
        }

        _hold = held;
        _callerMedia?.StopRelay();
        _agent?.Media.StopRelay();
        lock (_mediaGate)
        {
            _holdTarget = held == HoldParty.Caller ? _callerMedia : _agent?.Media;
            _player.Play([], _center.Prompts.MusicOnHold);
        }

        LogState("held:" + held.ToString().ToLowerInvariant() + ":" + by);
        _center.Publish("held", this, held == HoldParty.Caller ? "caller" : "agent");
    }

    private void EndHold(string by)
    {
        if (_hold is null)
        {
            return;
        }

        lock (_mediaGate)
        {
            _holdTarget = null;
            _player.Stop();
        }

        _hold = null;
        if (_callerMedia is { } caller && _agent is { } agent)
        {
            caller.RelayTo(agent.Media, _recorder, 0);
            agent.Media.RelayTo(caller, _recorder, 1);
        }

        LogState("resumed:" + by);
        _center.Publish("resumed", this, "talking");
    }

    /// <summary>A re-INVITE in <paramref name="dialog"/> offering our media in <paramref name="direction"/>; ACKs its 2xx.</summary>
    private void ReInvite(Dialog dialog, RtpSession media, string direction)
    {
        var invite = dialog.CreateRequest("INVITE");
        invite.Headers.Add("Allow", string.Join(", ", Sip.SipEngine.Allowed));
        invite.Headers.Add("Content-Type", "application/sdp");
        invite.Body = Encoding.ASCII.GetBytes(SdpAudio.Build(_center.MediaAddress, media.LocalEndPoint.Port, [media.PayloadType], 101, _sessionId,
            direction, NextSdpVersion()));
        var tx = dialog.Send(invite);
        tx.ResponseReceived += (_, r) => Post(() => OnReInviteResponse(dialog, tx, media, r, direction));
    }

    private void OnReInviteResponse(Dialog dialog, ClientTransaction tx, RtpSession media, SipResponse response, string direction)
    {
        if (response.StatusCode < 200)
        {
            return;
        }

        if (response.StatusCode >= 300)
        {
            _center.Publish("reinviteFailed", this, response.StatusCode.ToString(CultureInfo.InvariantCulture) + " " + direction);
            return;
        }

        dialog.Acknowledge(tx);
        if (SdpAudio.TryParse(response.BodyText, out var answer) && answer.Port > 0 && !answer.Address.Equals(System.Net.IPAddress.Any))
        {
            media.SetRemote(answer.EndPoint);
        }
    }
}
