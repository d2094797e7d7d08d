using System.Globalization;
using System.Net;
using System.Text;
using Hotline.Telephony.Media;
using Hotline.Telephony.Sip;
using Hotline.Telephony.Sip.Dialogs;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Registrar;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.CallControl;

/// <summary>Where a call is in its life.</summary>
internal enum CallPhase
{
    Ivr,
    Queued,
    Ringing,
    Talking,
    Voicemail,

    /// <summary>Waited too long in a call-back queue: hearing the offer to press 1 for a call-back (回拨).</summary>
    CallbackOffer,
    Ended,
}

/// <summary>
/// One inbound call as an actor (B2BUA): the caller leg (answered at the IVR, or with early media for IVR and queue and
/// 200 when an agent answers, as <see cref="SipOptions.IvrAnswer"/> says), zero or more agent legs being offered (one per
/// registered binding of each agent rung), anchored media with recording. All state changes run on the call's
/// own <see cref="SerialExecutor"/>; the media clock reads only the media fields, under a small lock.
/// </summary>
internal sealed partial class Call : IMediaTicker, IDialogOwner
{
    private readonly CallCenter _center;
    private readonly SerialExecutor _actor;
    private readonly ServerTransaction _invite;
    private readonly SdpAudio? _offer;
    private readonly Registration? _direct;
    private readonly Dialog _callerDialog;
    private readonly List<AgentLeg> _attempts = [];
    private readonly Lock _mediaGate = new();
    private readonly AudioPlayer _player = new();
    private readonly StringBuilder _ivrPath = new();
    private readonly long _sessionId = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private RtpSession? _callerMedia;
    private AgentLeg? _agent;
    private StereoRecorder? _recorder;
    private WavWriter? _recordingWav;
    private WavWriter? _voicemail;
    private bool _answered;
    private TimerHandle _menuTimer;
    private TimerHandle _positionTimer;
    private TimerHandle _overflowTimer;
    private TimerHandle _rtpTimer;
    private DateTimeOffset? _queuedAt;
    private DateTimeOffset? _answeredAt;
    private string? _recordingPath;
    private string? _caseNumber;
    private string _outcome = "ended";
    private string _voicemailReason = "overflow";
    private volatile CallPhase _phase = CallPhase.Ivr;
    private int _positionWhenQueued = 1;
    private volatile bool _canRemoteAnswer;
    private bool _callbackTaken;

    public Call(CallCenter center, ServerTransaction invite, SdpAudio? offer, string called, Registration? direct)
    {
        _center = center;
        _invite = invite;
        _offer = offer;
        _direct = direct;
        Called = called;
        Id = invite.Request.CallId!;
        Started = center.Time.GetUtcNow();
        Caller = NameAddress.TryParse(invite.Request.Headers["From"], out var from) ? from.SipUri?.User ?? "anonymous" : "anonymous";
        _actor = new SerialExecutor(ex => TelephonyLog.CallFailed(center.Logger, Id, ex));
        _callerDialog = Dialog.ForUas(center.Engine, invite, SipEngine.NewTag(), called, this);
        center.Engine.Dialogs.Add(_callerDialog);
        invite.Cancelled += _ => Post(OnCallerCancelledAsync);
    }

    void IDialogOwner.OnRequest(Dialog dialog, ServerTransaction transaction) => Post(() => OnInDialogAsync(dialog, transaction));

    void IDialogOwner.OnAck(Dialog dialog, SipRequest ack)
    {
        if (ReferenceEquals(dialog, _callerDialog))
        {
            Post(() => OnAck(ack));
        }
    }

    public string Id { get; }

    public string Caller { get; }

    public string Called { get; }

    public DateTimeOffset Started { get; }

    /// <summary>Where the call's recording is written once bridged, relative to the data folder; null when calls are not recorded.</summary>
    public string? RecordingId => Options.RecordCalls ? FileId("recordings") : null;

    public string? Queue { get; private set; }

    public string IvrPath => _ivrPath.ToString();

    public string? AgentExtension => _agent?.Extension;

    public CallPhase Phase => _phase;

    /// <summary>True once the caller's INVITE got its 200 (at the IVR, or when an agent answered).</summary>
    public bool CallerAnswered => Volatile.Read(ref _answered);

    public string StateName => _phase switch
    {
        CallPhase.Talking when _hold is not null => "held",
        CallPhase.Ivr => "ivr",
        CallPhase.Queued => "queued",
        CallPhase.Ringing => "ringing",
        CallPhase.Talking => "talking",
        CallPhase.Voicemail => "voicemail",
        CallPhase.CallbackOffer => "callbackOffer",
        _ => "ended",
    };

    /// <summary>Media counters for tests and monitoring.</summary>
    public RtpSession? CallerMedia => _callerMedia;

    public RtpSession? AgentMedia => _agent?.Media;

    public void Post(Func<Task> work) => _actor.Post(work);

    public void Post(Action work) => _actor.Post(work);

    private SipEngine Engine => _center.Engine;

    private SipOptions Options => _center.Options;

    public async Task StartAsync()
    {
        _callerMedia = new RtpSession(_center.Ports!);
        if (_offer is not null)
        {
            _callerMedia.PayloadType = _offer.ChooseCodec()!.Value;
            _callerMedia.TelephoneEvent = _offer.TelephoneEvent;
            _callerMedia.SetRemote(_offer.EndPoint);
        }

        _callerMedia.Digit += d => Post(() => OnDigit(d, "rfc4733"));
        _center.Clock!.Add(this);

        if (_direct is not null)
        {
            Queue = null;
            _phase = CallPhase.Ringing;
            LogState(StateName);
            await OfferAsync([_direct.Extension]).ConfigureAwait(false);
            return;
        }

        if (_offer is null || Options.IvrAnswer == IvrAnswerMode.Answer)
        {
            // The IVR answers (or a delayed offer: answer now with our offer; the caller's answer comes in the ACK).
            Answer();
        }
        else
        {
            var progress = _callerDialog.CreateResponse(_invite, 183);
            AddSdp(progress);
            _invite.SendResponse(progress);
        }

        if (!_center.InBusinessHours())
        {
            StartVoicemail("afterHours");
            return;
        }

        LogState(StateName);
        _center.Publish("ivr", this, StateName);
        _player.Finished += OnPromptFinished;
        _player.Play([_center.Prompts.Get(PromptLibrary.Welcome), _center.Prompts.Get(PromptLibrary.Menu)]);
    }

    private void OnPromptFinished() => Post(() =>
    {
        if (_phase == CallPhase.Ivr)
        {
            _menuTimer.Cancel();
            _menuTimer = Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.MenuTimeoutSeconds), () => Post(() =>
            {
                if (_phase == CallPhase.Ivr)
                {
                    var general = _center.Acd.QueueForDigit("0")?.Name ?? _center.Acd.QueueNames.First();
                    Enqueue(general);
                }
            }));
        }
        else if (_phase == CallPhase.Voicemail && _voicemail is null)
        {
            StartVoicemailRecording();
        }
        else if (_phase == CallPhase.CallbackOffer && _callbackTaken)
        {
            _ = HangUpAllAsync("callback");
        }
        else if (_phase == CallPhase.CallbackOffer)
        {
            _menuTimer.Cancel();
            _menuTimer = Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.MenuTimeoutSeconds), () => Post(() =>
            {
                if (_phase == CallPhase.CallbackOffer && !_callbackTaken)
                {
                    StartVoicemail("overflow"); // no key: leave a message instead
                }
            }));
        }
    });

    private void OnDigit(char digit, string source)
    {
        TelephonyLog.Dtmf(_center.Logger, Id, digit, source);
        if (_phase == CallPhase.CallbackOffer)
        {
            if (digit == '1' && !_callbackTaken)
            {
                AcceptCallback();
            }

            return;
        }

        if (_phase != CallPhase.Ivr)
        {
            return;
        }

        _ivrPath.Append(digit);
        var queue = _center.Acd.QueueForDigit(digit.ToString());
        if (queue is null)
        {
            _player.Play([_center.Prompts.Get(PromptLibrary.Invalid), _center.Prompts.Get(PromptLibrary.Menu)]);
            return;
        }

        Enqueue(queue.Name);
    }

    private void Enqueue(string queue)
    {
        _menuTimer.Cancel();
        Queue = queue;
        _phase = CallPhase.Queued;
        _queuedAt ??= _center.Time.GetUtcNow();
        var q = _center.Acd.Queue(queue)!;
        _center.Acd.Enqueue(new QueuedCall(Id, queue, q.Priority, _queuedAt.Value));
        _positionWhenQueued = _center.Acd.Ahead(Id, queue) + 1;
        LogState(StateName);
        _center.Publish("queued", this, StateName);
        AnnouncePosition(first: true);
        _overflowTimer = Engine.Wheel.Schedule(TimeSpan.FromSeconds(q.MaxWaitSeconds), () => Post(Overflow));
        _center.Dispatch();
    }

    private void AnnouncePosition(bool first)
    {
        if (_phase != CallPhase.Queued || Queue is null)
        {
            return;
        }

        var ahead = _center.Acd.Ahead(Id, Queue);
        var clips = new List<short[]>();
        if (first)
        {
            clips.Add(_center.Prompts.Get(PromptLibrary.Hold));
        }

        if (ahead > 0 || !first)
        {
            clips.Add(_center.Prompts.Position(ahead + 1));
        }

        if (Options.AnnounceWaitTime && _center.Acd.EstimatedWait(Queue, ahead + 1) is { } estimate)
        {
            clips.Add(_center.Prompts.Wait(estimate));
            _center.Publish("waitEstimate", this, ((int)estimate.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        _player.Play(clips, _center.Prompts.MusicOnHold);
        _center.Publish("position", this, (ahead + 1).ToString(CultureInfo.InvariantCulture));
        _positionTimer = Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.PositionAnnouncementSeconds),
            () => Post(() => AnnouncePosition(first: false)));
    }

    private void Overflow()
    {
        if (_phase != CallPhase.Queued || Queue is null)
        {
            return;
        }

        _center.Acd.Remove(Id, Queue);
        _center.Acd.Overflowed(Queue);
        if (_center.Acd.Queue(Queue)?.Overflow == OverflowAction.Callback)
        {
            StartCallbackOffer();
            return;
        }

        StartVoicemail("overflow");
    }

    /// <summary>Answers and offers a call-back: 1 leaves the caller id on the call-back list; silence leads to voicemail.</summary>
    private void StartCallbackOffer()
    {
        _positionTimer.Cancel();
        _overflowTimer.Cancel();
        _phase = CallPhase.CallbackOffer;
        if (!_answered)
        {
            Answer();
        }

        _player.Finished -= OnPromptFinished;
        _player.Finished += OnPromptFinished;
        LogState(StateName);
        _center.Publish("callbackOffer", this, StateName);
        _player.Play([_center.Prompts.Get(PromptLibrary.CallbackOffer)]);
    }

    private void AcceptCallback()
    {
        _menuTimer.Cancel();
        _callbackTaken = true;
        _outcome = "callback";
        var waited = _center.Time.GetUtcNow() - (_queuedAt ?? Started);
        var request = _center.Callbacks.Add(Id, Caller, Queue, CallbackRequest.Requested, _center.Time.GetUtcNow(), waited);
        TelephonyLog.CallbackRequested(_center.Logger, request.Id, Id, request.Reason);
        _player.Play([_center.Prompts.Get(PromptLibrary.CallbackConfirmed)]); // then hang up (OnPromptFinished)
    }

    /// <summary>The caller left while waiting: the number is kept for a call-back (放弃呼叫回拨).</summary>
    private void KeepAbandonedForCallback()
    {
        if (Queue is null || _callbackTaken)
        {
            return;
        }

        var waited = _center.Time.GetUtcNow() - (_queuedAt ?? Started);
        var request = _center.Callbacks.Add(Id, Caller, Queue, CallbackRequest.Abandoned, _center.Time.GetUtcNow(), waited);
        TelephonyLog.CallbackRequested(_center.Logger, request.Id, Id, request.Reason);
    }

    private void StartVoicemail(string reason)
    {
        _positionTimer.Cancel();
        _overflowTimer.Cancel();
        _menuTimer.Cancel();
        _voicemailReason = reason;
        _phase = CallPhase.Voicemail;
        _player.Finished -= OnPromptFinished;
        _player.Finished += OnPromptFinished;
        if (!_answered)
        {
            Answer();
        }

        LogState(StateName);
        _center.Publish("voicemail", this, StateName);
        var prompt = reason == "afterHours" ? PromptLibrary.AfterHours : PromptLibrary.Voicemail;
        _player.Play([_center.Prompts.Get(prompt), _center.Prompts.Beep]);
    }

    private void StartVoicemailRecording()
    {
        var path = Path.Combine(Options.DataDirectory, FileId("voicemail"));
        lock (_mediaGate)
        {
            _voicemail = new WavWriter(path, 1);
        }

        _recordingPath = path;
        Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.VoicemailMaxSeconds), () => Post(() => HangUpAllAsync("voicemailLimit")));
    }

    /// <summary>Rings one agent, or every given agent for ring-all.</summary>
    public Task OfferAsync(List<string> agents)
    {
        if (_phase is not (CallPhase.Queued or CallPhase.Ringing))
        {
            foreach (var a in agents)
            {
                _center.Acd.OfferFailed(a, noAnswer: false);
            }

            return Task.CompletedTask;
        }

        _positionTimer.Cancel();
        if (_phase == CallPhase.Queued)
        {
            _phase = CallPhase.Ringing;
        }

        foreach (var extension in agents)
        {
            var bindings = Engine.Registrar.FindAll(extension);
            if (bindings.Count == 0 && _direct?.Extension == extension)
            {
                bindings = [_direct];
            }

            if (bindings.Count == 0)
            {
                _center.Acd.OfferFailed(extension, noAnswer: true);
                continue;
            }

            foreach (var reg in bindings) // every phone registered for the extension rings; the first to answer takes it
            {
                var dialog = Dialog.ForUac(Engine, reg.Peer, reg.Contact, Caller, Caller, extension, Options.Hotline, this);
                var leg = new AgentLeg(extension, dialog, new RtpSession(_center.Ports!));
                _attempts.Add(leg);
                leg.Transaction = dialog.Send(BuildAgentInvite(leg));
                leg.Transaction.ResponseReceived += (_, r) => Post(() => OnAgentResponse(leg, r));
                leg.RingTimer = Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.RingTimeoutSeconds), () => Post(() => RingTimeout(leg)));
            }

            _center.Publish("ringing", this, "ringing", extension);
        }

        if (_attempts.Count == 0)
        {
            Requeue();
        }

        return Task.CompletedTask;
    }

    private SipRequest BuildAgentInvite(AgentLeg leg)
    {
        var invite = leg.Dialog.CreateRequest("INVITE");
        invite.Headers.Add("Allow", string.Join(", ", SipEngine.Allowed));
        if (Queue is not null)
        {
            invite.Headers.Add("X-Hotline-Queue", Queue);
        }

        invite.Headers.Add("X-Hotline-Ivr", IvrPath.Length == 0 ? "-" : IvrPath);
        invite.Headers.Add("Content-Type", "application/sdp");
        invite.Body = Encoding.ASCII.GetBytes(SdpAudio.Build(_center.MediaAddress, leg.Media.LocalEndPoint.Port, [0, 8], 101, _sessionId));
        return invite;
    }

    private async Task OnAgentResponse(AgentLeg leg, SipResponse response)
    {
        if (!leg.Dialog.OnResponse(response))
        {
            return; // another fork's answer: not this leg's dialog
        }

        if (response.StatusCode < 200)
        {
            if (response.StatusCode > 100 && leg.Dialog.RemoteTag is not null && !leg.Cancelled)
            {
                _canRemoteAnswer = _phase == CallPhase.Ringing; // early dialog: what a CTI "answer" (NOTIFY Event: talk) is sent in
            }

            if (_direct is not null && response.StatusCode is 180 or 183 && !_answered && !_invite.IsFinal)
            {
                _invite.SendResponse(_callerDialog.CreateResponse(_invite, 180));
            }

            return;
        }

        if (response.StatusCode >= 300)
        {
            leg.RingTimer.Cancel();
            await EndAttemptAsync(leg).ConfigureAwait(false);
            if (!leg.Cancelled && !StillOffered(leg))
            {
                _center.Acd.OfferFailed(leg.Extension, noAnswer: true);
                _center.Publish("agentState", null, nameof(AgentState.NotReady), leg.Extension);
            }

            if (_attempts.Count == 0 && _agent is null)
            {
                if (_transferring)
                {
                    await TransferFailedAsync(response.StatusCode).ConfigureAwait(false);
                }
                else if (_direct is not null)
                {
                    FailCaller(response.StatusCode is 486 or 600 or 603 ? response.StatusCode : 480);
                }
                else
                {
                    Requeue();
                }
            }

            return;
        }

        // 2xx
        leg.Dialog.Acknowledge(leg.Transaction); // kept as bytes for 2xx retransmissions; the transaction is let go
        if (leg.Answered)
        {
            return; // retransmitted 2xx: the ACK above is all it needs
        }

        leg.Answered = true;
        leg.RingTimer.Cancel();
        if (_agent is not null || _phase is not (CallPhase.Ringing or CallPhase.Queued))
        {
            SendBye(leg); // lost the ring-all race, or the caller is gone
            await EndAttemptAsync(leg).ConfigureAwait(false);
            if (!StillOffered(leg))
            {
                _center.Acd.CallEnded(leg.Extension, TimeSpan.Zero, wrapUp: false); // not when another phone of this agent has the call
            }

            return;
        }

        if (SdpAudio.TryParse(response.BodyText, out var answer) && answer.ChooseCodec() is { } pt)
        {
            leg.Media.PayloadType = pt;
            leg.Media.TelephoneEvent = answer.TelephoneEvent;
            leg.Media.SetRemote(answer.EndPoint);
        }

        _agent = leg;
        _attempts.Remove(leg);
        foreach (var other in _attempts.ToList())
        {
            await CancelAttemptAsync(other, noAnswer: false).ConfigureAwait(false);
        }

        var now = _center.Time.GetUtcNow();
        _answeredAt ??= now; // the first agent's answer: what the figures and the CDR call answered
        _agentSince = now;
        if (Queue is not null && !_transferring)
        {
            _center.Acd.Answered(leg.Extension, Queue, now - (_queuedAt ?? now), _positionWhenQueued);
        }
        else if (_center.Acd.IsAgent(leg.Extension))
        {
            _center.Acd.SetState(leg.Extension, AgentState.Talking, "force");
        }

        if (!_answered)
        {
            Answer();
        }

        _overflowTimer.Cancel();
        _positionTimer.Cancel();
        lock (_mediaGate)
        {
            _holdTarget = null; // the caller waited on music while a transfer rang
            _player.Stop();
        }

        StartBridge();
        _phase = CallPhase.Talking;
        _outcome = "answered";
        LogState(StateName);
        _center.Publish("answered", this, StateName);
        _rtpTimer = Engine.Wheel.Schedule(RtpCheckInterval, () => Post(CheckRtp));
        if (_transferring)
        {
            TransferCompleted(leg);
        }
    }

    private TimeSpan RtpCheckInterval => TimeSpan.FromSeconds(Math.Clamp(Options.RtpTimeoutSeconds / 4.0, 0.5, 5));

    /// <summary>Bridges the legs: each relays what it receives to the other at once and into the recording (no media clock).</summary>
    private void StartBridge()
    {
        if (Options.RecordCalls && _recorder is null) // a transferred call goes on in the same recording
        {
            var path = Path.Combine(Options.DataDirectory, RecordingId!);
            lock (_mediaGate)
            {
                // A call that ends before any audio leaves no empty file behind (and no disk operation; see benchmarks.md).
                _recordingWav = new WavWriter(path, 2) { SkipIfEmpty = true };
                _recorder = new StereoRecorder(_recordingWav);
            }

            _recordingPath = path;
        }

        if (_callerMedia is { } caller && _agent is { } agent)
        {
            caller.RelayTo(agent.Media, _recorder, 0);
            agent.Media.RelayTo(caller, _recorder, 1);
        }
    }

    private async Task CheckRtp()
    {
        if (_phase != CallPhase.Talking || _agent is null || _callerMedia is null)
        {
            return;
        }

        var limit = Environment.TickCount64 - (Options.RtpTimeoutSeconds * 1000L);
        if (_hold is null && (_callerMedia.LastReceivedTicks < limit || _agent.Media.LastReceivedTicks < limit)) // a held phone may be silent
        {
            TelephonyLog.RtpTimeout(_center.Logger, Id, Options.RtpTimeoutSeconds);
            _outcome = "rtpTimeout";
            await HangUpAllAsync("rtpTimeout").ConfigureAwait(false);
            return;
        }

        _rtpTimer = Engine.Wheel.Schedule(RtpCheckInterval, () => Post(CheckRtp));
    }

    /// <summary>True while an agent's phone rings in an early dialog that a CTI "answer" can act on.</summary>
    public bool CanRemoteAnswer => _canRemoteAnswer && _phase == CallPhase.Ringing;

    /// <summary>
    /// CTI 应答: tells each ringing agent phone to go off hook, with a NOTIFY <c>Event: talk</c> in the early dialog
    /// (the remote-answer event phones such as Yealink, Polycom and Snom act on); the call proceeds when its 200 arrives.
    /// </summary>
    public void RemoteAnswer()
    {
        if (_phase != CallPhase.Ringing)
        {
            return;
        }

        foreach (var leg in _attempts.Where(a => a.Dialog.RemoteTag is not null && !a.Answered && !a.Cancelled))
        {
            var notify = leg.Dialog.CreateRequest("NOTIFY");
            notify.Headers.Add("Event", "talk");
            notify.Headers.Add("Subscription-State", "active");
            var tx = leg.Dialog.Send(notify);
            var extension = leg.Extension;
            _ = tx.FinalResponse.ContinueWith(
                r => _center.Publish("remoteAnswer", this, r.Result.StatusCode.ToString(CultureInfo.InvariantCulture), extension),
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private void RingTimeout(AgentLeg leg)
    {
        if (leg.Answered || leg.Cancelled)
        {
            return;
        }

        _ = CancelAttemptAsync(leg, noAnswer: true);
        if (_attempts.Count == 0 && _agent is null)
        {
            if (_transferring)
            {
                _ = TransferFailedAsync(408);
            }
            else if (_direct is not null)
            {
                FailCaller(480);
            }
            else
            {
                Requeue();
            }
        }
    }

    private async Task CancelAttemptAsync(AgentLeg leg, bool noAnswer)
    {
        leg.Cancelled = true;
        leg.RingTimer.Cancel();
        if (leg.Transaction is { } tx && tx.State is TransactionState.Calling or TransactionState.Proceeding)
        {
            var cancel = Engine.Transactions.Cancel(tx);
            var extension = leg.Extension;
            _ = tx.FinalResponse.ContinueWith(
                r => _center.Publish("agentLegCancelled", this, r.Result.StatusCode.ToString(CultureInfo.InvariantCulture), extension),
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            _ = cancel.FinalResponse;
        }

        if (!StillOffered(leg))
        {
            _center.Acd.OfferFailed(leg.Extension, noAnswer);
            if (noAnswer)
            {
                _center.Publish("agentState", null, nameof(AgentState.NotReady), leg.Extension);
            }
        }

        await EndAttemptAsync(leg).ConfigureAwait(false);
    }

    /// <summary>Another phone of the same extension still rings, or answered: this leg's end says nothing of the agent.</summary>
    private bool StillOffered(AgentLeg leg) =>
        _agent is { } agent && agent.Extension == leg.Extension && !ReferenceEquals(agent, leg)
        || _attempts.Any(a => !ReferenceEquals(a, leg) && a.Extension == leg.Extension && !a.Cancelled);

    private async Task EndAttemptAsync(AgentLeg leg)
    {
        _attempts.Remove(leg);
        if (!ReferenceEquals(leg, _agent))
        {
            // a late 487/2xx still reaches the leg through its INVITE transaction; the dialog lingers for a BYE crossing ours
            leg.Dialog.Terminate(DialogLinger);
            await leg.Media.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>How long an ended dialog still answers (BYE glare, a late ACK) before it leaves the engine's table.</summary>
    private static readonly TimeSpan DialogLinger = TimeSpan.FromMilliseconds(500);

    private void Requeue()
    {
        if (_phase is not (CallPhase.Ringing or CallPhase.Queued) || Queue is null)
        {
            return;
        }

        _phase = CallPhase.Queued;
        var q = _center.Acd.Queue(Queue)!;
        _center.Acd.Enqueue(new QueuedCall(Id, Queue, q.Priority + 1, _queuedAt ?? _center.Time.GetUtcNow()));
        AnnouncePosition(first: false);
        _center.Dispatch();
    }

    private void Answer()
    {
        _answered = true;
        var ok = _callerDialog.CreateResponse(_invite, 200);
        ok.Headers.Add("Allow", string.Join(", ", SipEngine.Allowed));
        if (_invite.Request.Headers["Session-Expires"] is { } se)
        {
            ok.Headers.Add("Session-Expires", se.Contains("refresher", StringComparison.Ordinal) ? se : se + ";refresher=uac");
            ok.Headers.Add("Require", "timer");
        }

        AddSdp(ok);
        _invite.SendResponse(ok);
        _callerDialog.Confirm();
        _invite.AckTimeout += _ => Post(() => HangUpAllAsync("noAck"));
    }

    private void AddSdp(SipResponse response)
    {
        var codecs = _offer?.ChooseCodec() is { } pt ? [pt] : new[] { 0, 8 };
        var te = _offer?.TelephoneEvent ?? 101;
        response.Headers.Add("Content-Type", "application/sdp");
        response.Body = Encoding.ASCII.GetBytes(SdpAudio.Build(_center.MediaAddress, _callerMedia!.LocalEndPoint.Port, codecs, te, _sessionId));
    }

    private void FailCaller(int status)
    {
        if (!_invite.IsFinal)
        {
            _invite.SendResponse(_callerDialog.CreateResponse(_invite, status));
        }

        _outcome = "failed";
        _ = FinishAsync();
    }

    public void OnAck(SipRequest ack)
    {
        if (ack.CallId != Id || _offer is not null || ack.Body.Length == 0 || _callerMedia is null)
        {
            return;
        }

        if (SdpAudio.TryParse(ack.BodyText, out var answer) && answer.ChooseCodec() is { } pt)
        {
            _callerMedia.PayloadType = pt;
            _callerMedia.TelephoneEvent = answer.TelephoneEvent;
            _callerMedia.SetRemote(answer.EndPoint);
        }
    }

    public async Task OnCallerCancelledAsync()
    {
        if (_invite.IsFinal && _answered)
        {
            return; // too late: already answered
        }

        if (!_invite.IsFinal)
        {
            _invite.SendResponse(_callerDialog.CreateResponse(_invite, 487));
        }

        if (Queue is not null && _phase is CallPhase.Queued or CallPhase.Ringing)
        {
            _center.Acd.Remove(Id, Queue);
            _center.Acd.Abandoned(Queue);
            KeepAbandonedForCallback();
        }

        _outcome = "abandoned";
        foreach (var leg in _attempts.ToList())
        {
            await CancelAttemptAsync(leg, noAnswer: false).ConfigureAwait(false);
        }

        await FinishAsync().ConfigureAwait(false);
    }

    private async Task OnInDialogAsync(Dialog dialog, ServerTransaction t)
    {
        var request = t.Request;
        var fromAgent = _agent is not null && ReferenceEquals(dialog, _agent.Dialog);
        if (!fromAgent && _transferors.FirstOrDefault(l => ReferenceEquals(l.Dialog, dialog)) is { } transferor)
        {
            OnTransferorRequest(transferor, t);
            return;
        }

        if (!fromAgent && !ReferenceEquals(dialog, _callerDialog))
        {
            // an agent phone that lost the race or was cancelled, still talking in its early dialog
            t.SendResponse(request.CreateResponse(request.Method == "BYE" ? 200 : 481));
            return;
        }

        switch (request.Method)
        {
            case "BYE":
                t.SendResponse(request.CreateResponse(200));
                if (fromAgent)
                {
                    _agent!.Ended = true;
                }
                else
                {
                    _callerHungUp = true;
                }

                await HangUpAllAsync(fromAgent ? "agentBye" : "callerBye").ConfigureAwait(false);
                return;
            case "INFO":
                t.SendResponse(request.CreateResponse(200));
                if (!fromAgent && ParseInfoDigit(request) is { } digit)
                {
                    OnDigit(digit, "info");
                }

                return;
            case "REFER":
                OnRefer(dialog, t, fromAgent);
                return;
            case "UPDATE":
                var upd = request.CreateResponse(200);
                if (request.Headers["Session-Expires"] is { } se)
                {
                    upd.Headers.Add("Session-Expires", se);
                }

                t.SendResponse(upd);
                return;
            case "INVITE":
                // Re-INVITE (session refresh, hold or resume): keep our media, answer with our SDP in the direction asked.
                var ok = request.CreateResponse(200);
                ok.Headers.Add("Contact", dialog.LocalContact);
                if (request.Headers["Session-Expires"] is { } rse)
                {
                    ok.Headers.Add("Session-Expires", rse);
                }

                var media = fromAgent ? _agent!.Media : _callerMedia!;
                var direction = "sendrecv";
                if (SdpAudio.TryParse(request.BodyText, out var offer))
                {
                    if (offer.Port > 0 && !offer.Address.Equals(System.Net.IPAddress.Any))
                    {
                        media.SetRemote(offer.EndPoint);
                    }

                    direction = AnswerDirection(offer);
                }

                ok.Headers.Add("Content-Type", "application/sdp");
                ok.Body = Encoding.ASCII.GetBytes(SdpAudio.Build(_center.MediaAddress, media.LocalEndPoint.Port, [media.PayloadType], 101, _sessionId,
                    direction, NextSdpVersion()));
                t.SendResponse(ok);
                if (offer is not null)
                {
                    OnPeerDirection(fromAgent ? HoldParty.Caller : HoldParty.Agent, direction); // the other party is the held one
                }

                return;
            default:
                var refuse = request.CreateResponse(405);
                refuse.Headers.Add("Allow", string.Join(", ", SipEngine.Allowed));
                t.SendResponse(refuse);
                return;
        }
    }

    private bool _callerHungUp;

    private static char? ParseInfoDigit(SipRequest request)
    {
        var type = request.Headers["Content-Type"] ?? string.Empty;
        var body = request.BodyText.Trim();
        if (type.Contains("dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var line in body.Split('\n'))
            {
                var kv = line.Split('=', 2);
                if (kv.Length == 2 && kv[0].Trim().Equals("Signal", StringComparison.OrdinalIgnoreCase) && kv[1].Trim().Length > 0)
                {
                    return kv[1].Trim()[0];
                }
            }
        }
        else if (type.Contains("application/dtmf", StringComparison.OrdinalIgnoreCase) && body.Length > 0)
        {
            return body[0];
        }

        return null;
    }

    /// <summary>Ends both legs with BYE or CANCEL as their state needs, then finishes the call.</summary>
    public async Task HangUpAllAsync(string reason)
    {
        if (_phase == CallPhase.Ended)
        {
            return;
        }

        if (_agent is not null && !_agent.Ended)
        {
            SendBye(_agent);
            _agent.Ended = true;
        }

        foreach (var leg in _attempts.ToList())
        {
            await CancelAttemptAsync(leg, noAnswer: false).ConfigureAwait(false);
        }

        if (!_callerHungUp)
        {
            if (_answered)
            {
                SendByeToCaller();
            }
            else if (!_invite.IsFinal)
            {
                _invite.SendResponse(_callerDialog.CreateResponse(_invite, 480, reason));
            }
        }

        if (_phase is CallPhase.Queued or CallPhase.Ringing && Queue is not null && _agent is null && _answeredAt is null) // not a transfer
        {
            _center.Acd.Remove(Id, Queue);
            _center.Acd.Abandoned(Queue);
            _outcome = "abandoned";
            if (reason == "callerBye")
            {
                KeepAbandonedForCallback();
            }
        }
        else if (_phase == CallPhase.CallbackOffer && reason == "callerBye" && !_callbackTaken)
        {
            _outcome = "abandoned";
            KeepAbandonedForCallback(); // hung up during the call-back offer: still owed a call-back
        }

        await FinishAsync().ConfigureAwait(false);
    }

    private async Task FinishAsync()
    {
        if (_phase == CallPhase.Ended)
        {
            return;
        }

        var wasVoicemail = _phase == CallPhase.Voicemail;
        _phase = CallPhase.Ended;
        _menuTimer.Cancel();
        _positionTimer.Cancel();
        _overflowTimer.Cancel();
        _rtpTimer.Cancel();
        _center.Clock?.Remove(this);
        _callerMedia?.StopRelay();
        _agent?.Media.StopRelay();
        TimeSpan voicemailLength = TimeSpan.Zero;
        Task recorded = Task.CompletedTask, voicemailWritten = Task.CompletedTask;
        lock (_mediaGate)
        {
            if (_recorder is not null)
            {
                recorded = _recorder.CompleteAsync();
            }

            if (_voicemail is not null)
            {
                voicemailLength = _voicemail.Duration;
                voicemailWritten = _voicemail.CompleteAsync();
            }
        }

        await ReleaseTransferorsAsync().ConfigureAwait(false);
        if (_agent is not null)
        {
            var talk = _center.Time.GetUtcNow() - (_agentSince ?? _center.Time.GetUtcNow());
            if (_center.Acd.IsAgent(_agent.Extension))
            {
                _center.Acd.CallEnded(_agent.Extension, talk, wrapUp: true);
                _center.StartWrapUp(_agent.Extension);
            }

            await _agent.Media.DisposeAsync().ConfigureAwait(false);
        }

        if (_callerMedia is not null)
        {
            await _callerMedia.DisposeAsync().ConfigureAwait(false); // ports go back to the pool before any disk wait
        }

        await voicemailWritten.ConfigureAwait(false); // the disk thread closes the files; nothing blocks meanwhile
        await recorded.ConfigureAwait(false);
        if (_recordingWav is { Empty: true })
        {
            _recordingPath = null; // no audio, nothing recorded: the CDR does not point at a file that does not exist
        }

        if (wasVoicemail)
        {
            _outcome = "voicemail";
            if (_voicemail is not null)
            {
                _caseNumber = await _center.Voicemail.VoicemailRecordedAsync(new VoicemailRecorded(Id, Caller, Queue, _recordingPath!,
                    voicemailLength, _voicemailReason, Started)).ConfigureAwait(false);
            }
        }

        lock (_mediaGate)
        {
            _recorder = null;
            _voicemail = null;
        }

        _center.Publish("ended", this, _outcome);
        _center.Record(new CallDetailRecord(Id, Caller, Called, Queue, _agent?.Extension, IvrPath, Started, _queuedAt, _answeredAt,
            _center.Time.GetUtcNow(), _outcome, _recordingPath, _caseNumber));
        LogState("ended:" + _outcome);

        // Requests crossing the end (BYE glare, a late ACK) still find the call for a moment, then it is forgotten: every
        // retransmission after that is answered by the transaction layer's finished entries (bytes only, 32 s), so a
        // finished call need not stay reachable for long (it was 8 s: 8,000 calls' objects alive at 1,000 calls/s,
        // promoted by every collection; a new request in the ended dialog gets 481, RFC 3261 §12.2.2).
        _callerDialog.Terminate(DialogLinger);
        _agent?.Dialog.Terminate(DialogLinger);
        Engine.Wheel.Schedule(DialogLinger, () => _center.Untrack(Id));
    }

    private void SendBye(AgentLeg leg)
    {
        var tx = leg.Dialog.Send(leg.Dialog.CreateRequest("BYE"));
        var extension = leg.Extension;
        _ = tx.FinalResponse.ContinueWith(
            r => _center.Publish("agentLegEnded", this, r.Result.StatusCode.ToString(CultureInfo.InvariantCulture), extension),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private void SendByeToCaller() => _callerDialog.Send(_callerDialog.CreateRequest("BYE"));

    /// <summary>One 20 ms media step (media clock thread): prompts, bridging, recording.</summary>
    public void Tick()
    {
        var caller = _callerMedia;
        if (caller is null)
        {
            return;
        }

        if (caller.Relaying)
        {
            return; // bridged: the legs relay on receipt
        }

        Span<short> a = stackalloc short[RtpSession.FrameSamples];
        Span<short> b = stackalloc short[RtpSession.FrameSamples];
        caller.ReadFrame(a);
        lock (_mediaGate)
        {
            if (_phase == CallPhase.Ended)
            {
                return;
            }

            if (_holdTarget is { } held)
            {
                _player.Next(b); // music on hold to the held party; the recording gets nothing, so it shows silence
                held.SendFrame(b);
                return;
            }

            if (_direct is not null)
            {
                return; // internal calls have no early media
            }

            _player.Next(b);
            caller.SendFrame(b);
            _voicemail?.Write(a);
        }
    }

    /// <summary>Logs a state change; the masked caller is only built when the level is on (not per call under load).</summary>
    private void LogState(string state)
    {
        if (_center.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            TelephonyLog.CallState(_center.Logger, Id, SharedKernel.Masking.Phone(Caller), state);
        }
    }

    /// <summary>A file of this call under <paramref name="folder"/>: <c>{folder}/{UTC day it started}/{call id, unsafe characters as _}.wav</c>.</summary>
    private string FileId(string folder) =>
        string.Create(CultureInfo.InvariantCulture, $"{folder}/{Started:yyyyMMdd}/{SafeName(Id)}.wav");

    private static string SafeName(string id)
    {
        var sb = new StringBuilder(id.Length);
        foreach (var ch in id)
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_');
        }

        return sb.ToString();
    }

    /// <summary>The B2BUA's leg towards an agent's phone.</summary>
    private sealed class AgentLeg(string extension, Dialog dialog, RtpSession media)
    {
        public string Extension { get; } = extension;
        public Dialog Dialog { get; } = dialog;
        public RtpSession Media { get; } = media;
        public ClientTransaction? Transaction { get; set; }
        public TimerHandle RingTimer { get; set; }
        public bool Answered { get; set; }
        public bool Cancelled { get; set; }
        public bool Ended { get; set; }
    }
}
