using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Hotline.SharedKernel;
using Hotline.Telephony.Media;
using Hotline.Telephony.Sip;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Registrar;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.CallControl;

/// <summary>
/// The B2BUA's application on the SIP engine: inbound calls to the hotline go through IVR and ACD to an agent; calls to
/// a registered extension ring it directly. Every call is a <see cref="Call"/> actor owning its dialogs (the engine hands
/// it their requests); this class takes the new INVITEs and owns the shared parts (media clock, prompts, ACD, call
/// detail records).
/// </summary>
internal sealed class CallCenter : ISipApplication, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Call> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _ringingAt = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CallDetailRecord> _recent = new();
    private readonly System.Threading.Channels.Channel<CallDetailRecord> _cdrQueue =
        System.Threading.Channels.Channel.CreateUnbounded<CallDetailRecord>(new() { SingleReader = true });
    private Task? _cdrLoop;
    private readonly ICallEventSink? _events;
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;

    public CallCenter(SipEngine engine, SipOptions options, ILoggerFactory loggers, TimeProvider time, IVoicemailSink voicemail,
        ICallEventSink? events)
    {
        Engine = engine;
        Options = options;
        Logger = loggers.CreateLogger("Hotline.Telephony.Calls");
        Time = time;
        Voicemail = voicemail;
        _events = events;
        Acd = new Acd(options.Queues, options.Extensions, time);
        Prompts = new PromptLibrary(Path.Combine(options.DataDirectory, "prompts"), Logger);
        Callbacks = new CallbackList(Path.Combine(options.DataDirectory, "callbacks.jsonl"));
        Callbacks.Changed += r => _events?.Publish(new CallEvent("callback", r.CallId, r.Caller, r.HandledBy, r.Queue, null, r.State, Time.GetUtcNow()));
        engine.Registrar.Changed += OnRegistrationChanged;
    }

    public SipEngine Engine { get; }

    public SipOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    public IVoicemailSink Voicemail { get; }

    public Acd Acd { get; }

    public PromptLibrary Prompts { get; }

    /// <summary>Abandoned and requested call-backs (回拨) for agents to work through.</summary>
    public CallbackList Callbacks { get; }

    public MediaClock? Clock { get; private set; }

    /// <summary>Pre-opened RTP ports the calls rent (set at start).</summary>
    public RtpPortPool? Ports { get; private set; }

    public IPAddress MediaAddress { get; private set; } = IPAddress.Loopback;

    public int ActiveCalls => _calls.Values.Distinct().Count();

    internal IReadOnlyList<Call> ActiveCallList => _calls.Values.Distinct().Where(c => c.Phase != CallPhase.Ended).ToList();

    public IReadOnlyCollection<CallDetailRecord> RecentRecords => _recent.ToArray();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.DataDirectory);
        await Prompts.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _zone = TimeZoneInfo.FindSystemTimeZoneById(Options.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            _zone = TimeZoneInfo.CreateCustomTimeZone("UTC+8", TimeSpan.FromHours(8), "UTC+8", "UTC+8");
        }

        var udp = Engine.UdpEndPoint.Address;
        MediaAddress = udp.Equals(IPAddress.Any) ? IPAddress.Loopback : udp;
        Ports = new RtpPortPool(MediaAddress, Options.RtpPortPoolSize);
        Clock = new MediaClock();
        _cdrLoop = Task.Factory.StartNew(WriteRecordsAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public async Task StopAsync()
    {
        foreach (var call in _calls.Values.Distinct().ToList())
        {
            await call.HangUpAllAsync("shutdown").ConfigureAwait(false);
        }

        if (Clock is not null)
        {
            await Clock.DisposeAsync().ConfigureAwait(false);
            Clock = null;
        }

        _cdrQueue.Writer.TryComplete();
        if (_cdrLoop is not null)
        {
            await _cdrLoop.ConfigureAwait(false);
        }

        Ports?.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public bool InBusinessHours()
    {
        var local = TimeZoneInfo.ConvertTime(Time.GetUtcNow(), _zone).TimeOfDay;
        var start = TimeSpan.Parse(Options.BusinessHoursStart, System.Globalization.CultureInfo.InvariantCulture);
        var end = Options.BusinessHoursEnd == "24:00" ? TimeSpan.FromDays(1)
            : TimeSpan.Parse(Options.BusinessHoursEnd, System.Globalization.CultureInfo.InvariantCulture);
        return start <= end ? local >= start && local < end : local >= start || local < end;
    }

    public void Publish(string type, Call? call, string state, string? agent = null)
    {
        agent ??= call?.AgentExtension;
        if (agent is not null)
        {
            NoteRinging(type, call, agent);
        }

        _events?.Publish(new CallEvent(type, call?.Id, call?.Caller, agent, call?.Queue, call?.IvrPath, state, Time.GetUtcNow()));
    }

    /// <summary>
    /// True while the call rings at this extension's phone or talks with it: CTI lets an agent act only on such a call.
    /// </summary>
    public bool IsAtExtension(string callId, string extension) =>
        _calls.TryGetValue(callId, out var call) && call.Id == callId && call.Phase switch
        {
            CallPhase.Talking => call.AgentExtension == extension,
            CallPhase.Ringing => call.AgentExtension is null && _ringingAt.TryGetValue(extension, out var ringing) && ringing == callId,
            _ => false,
        };

    // Which call each phone rings for, kept from the calls' own events so that no call state is read across threads: an
    // agent leg is offered with "ringing" and withdrawn by its answer, its CANCEL or BYE outcome, or the agentState a
    // refusal or ring timeout publishes for it. One entry per extension, overwritten by the phone's next call.
    private void NoteRinging(string type, Call? call, string extension)
    {
        switch (type)
        {
            case "ringing" when call is not null:
                _ringingAt[extension] = call.Id;
                break;
            case "answered" or "agentLegCancelled" or "agentLegEnded" when call is not null:
                _ringingAt.TryRemove(new KeyValuePair<string, string>(extension, call.Id));
                break;
            case "agentState" when call is null:
                _ringingAt.TryRemove(extension, out _);
                break;
        }
    }

    internal void Untrack(string callId) => _calls.TryRemove(callId, out _);

    public IReadOnlyList<CallSnapshot> Snapshot() =>
        _calls.Values.Distinct().Select(c => new CallSnapshot(c.Id, c.Caller, c.AgentExtension, c.Queue, c.StateName, c.Started, c.RecordingId)).ToList();

    /// <summary>Ends a call from CTI (BYE or final response to every leg); false when no such call is in progress.</summary>
    public bool HangUp(string callId)
    {
        if (!_calls.TryGetValue(callId, out var call) || call.Phase == CallPhase.Ended)
        {
            return false;
        }

        call.Post(() => call.HangUpAllAsync("cti"));
        return true;
    }

    /// <summary>CTI hold (<paramref name="hold"/>) or resume of a talking call; refused with the reason in any other state.</summary>
    public Result<Unit> Hold(string callId, bool hold)
    {
        if (!_calls.TryGetValue(callId, out var call) || call.Phase == CallPhase.Ended)
        {
            return Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
        }

        if ((hold ? call.CanHold() : call.CanResume()) is { } why)
        {
            return Error.Conflict(hold ? "cti.cannot_hold" : "cti.cannot_resume", $"Call {callId} cannot be {(hold ? "held" : "resumed")}: {why}.");
        }

        call.Post(hold ? call.HoldFromCti : call.ResumeFromCti);
        return Result.Ok();
    }

    /// <summary>
    /// CTI blind transfer of a talking call to <paramref name="target"/>: an extension (<c>8002</c>, registered) or a queue
    /// (<c>queue:inquiry</c>); <c>tel:</c> numbers need the outbound trunk, which this engine does not have.
    /// </summary>
    public Result<Unit> Transfer(string callId, string? target)
    {
        if (!_calls.TryGetValue(callId, out var call) || call.Phase == CallPhase.Ended)
        {
            return Error.NotFound("cti.call_not_found", $"No call {callId} is in progress.");
        }

        TransferTarget parsed;
        if (string.IsNullOrWhiteSpace(target))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["target"] = ["A transfer needs a target: an extension such as 8002 or a queue such as queue:inquiry."] });
        }
        else if (target.StartsWith("queue:", StringComparison.Ordinal))
        {
            var queue = target["queue:".Length..];
            if (Acd.Queue(queue) is null)
            {
                return Error.Validation(new Dictionary<string, string[]> { ["target"] = [$"There is no queue '{queue}'; queues: {string.Join(", ", Acd.QueueNames)}."] });
            }

            parsed = new TransferTarget(null, queue);
        }
        else if (target.StartsWith("tel:", StringComparison.Ordinal))
        {
            return Error.Conflict("cti.no_trunk", $"Call {callId} cannot be transferred to {target}: no outbound SIP trunk is configured at this node.");
        }
        else if (Engine.Registrar.FindAll(target).Count == 0)
        {
            return Error.Conflict("cti.target_not_registered", $"Call {callId} cannot be transferred to {target}: no phone is registered for that extension.");
        }
        else
        {
            parsed = new TransferTarget(target, null);
        }

        if (call.CanTransfer(parsed) is { } why)
        {
            return Error.Conflict("cti.cannot_transfer", $"Call {callId} cannot be transferred: {why}.");
        }

        call.Post(() => call.TransferFromCtiAsync(parsed));
        return Result.Ok();
    }

    /// <summary>CTI answer: the ringing agent phone is told to go off hook; false when no phone rings for this call.</summary>
    public bool Answer(string callId)
    {
        if (!_calls.TryGetValue(callId, out var call) || !call.CanRemoteAnswer)
        {
            return false;
        }

        call.Post(call.RemoteAnswer);
        return true;
    }

    public void OnInvite(ServerTransaction t)
    {
        var request = t.Request;
        if (Ports is null)
        {
            t.SendResponse(request.CreateResponse(503, toTag: SipEngine.NewTag())); // starting or stopping
            return;
        }

        var loopback = IPAddress.IsLoopback(t.Peer.Remote.Address);
        if (!(loopback && Options.TrustLoopback))
        {
            var outcome = Engine.Digest.Verify(request.Headers["Proxy-Authorization"], "INVITE", t.Peer.Remote.Address.ToString(),
                u => Options.Extensions.FirstOrDefault(e => e.Extension == u)?.Password, out _);
            if (outcome is DigestOutcome.Challenge or DigestOutcome.Stale)
            {
                var challenge = request.CreateResponse(407, toTag: SipEngine.NewTag());
                challenge.Headers.Add("Proxy-Authenticate", Engine.Digest.Challenge(outcome == DigestOutcome.Stale));
                t.SendResponse(challenge);
                return;
            }

            if (outcome != DigestOutcome.Ok)
            {
                t.SendResponse(request.CreateResponse(403, toTag: SipEngine.NewTag()));
                return;
            }
        }

        var target = SipUri.TryParse(request.Uri, out var uri) ? uri.User : null;
        var offer = request.Body.Length > 0 && SdpAudio.TryParse(request.BodyText, out var sdp) ? sdp : null;
        if (request.Body.Length > 0 && (offer is null || offer.ChooseCodec() is null))
        {
            var nah = request.CreateResponse(488, toTag: SipEngine.NewTag());
            nah.Headers.Add("Warning", "304 hotline \"Only PCMU and PCMA are supported\"");
            t.SendResponse(nah);
            return;
        }

        Call call;
        if (target == Options.Hotline)
        {
            call = new Call(this, t, offer, target, direct: null);
        }
        else if (target is not null && Engine.Registrar.Find(target) is { } reg)
        {
            call = new Call(this, t, offer, target, direct: reg);
        }
        else
        {
            t.SendResponse(request.CreateResponse(404, toTag: SipEngine.NewTag()));
            return;
        }

        _calls[request.CallId!] = call;
        EngineCounters.CallStarted();
        call.Post(call.StartAsync);
    }

    private void OnRegistrationChanged(Registration registration, bool added)
    {
        if (!Acd.IsAgent(registration.Extension))
        {
            return;
        }

        if (added && Options.AgentsReadyOnRegister && Acd.StateOf(registration.Extension) == AgentState.LoggedOut)
        {
            SetAgentState(registration.Extension, AgentState.Ready);
        }
        else if (!added)
        {
            SetAgentState(registration.Extension, AgentState.LoggedOut);
        }
    }

    /// <summary>Changes an agent's state from CTI or registration, then offers waiting calls.</summary>
    public bool SetAgentState(string extension, AgentState state, string? reason = null)
    {
        if (!Acd.SetState(extension, state, reason))
        {
            return false;
        }

        TelephonyLog.AgentState(Logger, extension, state.ToString());
        _events?.Publish(new CallEvent("agentState", null, null, extension, null, null, state.ToString(), Time.GetUtcNow()));
        Dispatch();
        return true;
    }

    /// <summary>Matches waiting calls with ready agents and tells each call whom to ring.</summary>
    public void Dispatch()
    {
        foreach (var (queued, agents) in Acd.Dispatch())
        {
            if (_calls.TryGetValue(queued.CallId, out var call))
            {
                call.Post(() => call.OfferAsync(agents));
            }
            else
            {
                foreach (var a in agents)
                {
                    Acd.OfferFailed(a, noAnswer: false);
                }
            }
        }
    }

    public void StartWrapUp(string extension)
    {
        if (Options.WrapUpSeconds == 0)
        {
            Acd.SetState(extension, AgentState.Ready);
            Dispatch();
            return;
        }

        _events?.Publish(new CallEvent("agentState", null, null, extension, null, null, nameof(AgentState.WrapUp), Time.GetUtcNow()));
        Engine.Wheel.Schedule(TimeSpan.FromSeconds(Options.WrapUpSeconds), () =>
        {
            if (Acd.StateOf(extension) == AgentState.WrapUp)
            {
                SetAgentState(extension, AgentState.Ready);
            }
        });
    }

    public void Record(CallDetailRecord record)
    {
        _recent.Enqueue(record);
        while (_recent.Count > 1000 && _recent.TryDequeue(out _))
        {
        }

        _cdrQueue.Writer.TryWrite(record); // written by the background loop: no file I/O on the call's path
    }

    /// <summary>Appends call detail records to <c>cdr.jsonl</c> in batches, one flush per batch.</summary>
    private async Task WriteRecordsAsync()
    {
        await using var writer = new StreamWriter(new FileStream(Path.Combine(Options.DataDirectory, "cdr.jsonl"), FileMode.Append,
            FileAccess.Write, FileShare.Read));
        var reader = _cdrQueue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var record))
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(record, CdrJson.Options)).ConfigureAwait(false);
            }

            await writer.FlushAsync().ConfigureAwait(false);
        }
    }

    private static class CdrJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
