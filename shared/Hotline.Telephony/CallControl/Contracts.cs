namespace Hotline.Telephony;

/// <summary>A voicemail (留言) left by a caller after hours or on overflow, to become a case with the recording attached.</summary>
/// <param name="CallId">The SIP Call-ID of the call.</param>
/// <param name="Caller">The caller's number, unmasked (personal data: stays in the city node).</param>
/// <param name="Queue">The queue the caller chose, or null.</param>
/// <param name="RecordingPath">Full path of the 8 kHz mono WAV.</param>
/// <param name="Duration">Length of the message.</param>
/// <param name="Reason">afterHours or overflow.</param>
/// <param name="ReceivedAt">When the call arrived.</param>
public sealed record VoicemailRecorded(string CallId, string Caller, string? Queue, string RecordingPath, TimeSpan Duration,
    string Reason, DateTimeOffset ReceivedAt);

/// <summary>
/// Receives voicemails. The municipal host binds this to ticketing (a case with the recording attached); telephony
/// itself must not reference ticketing.
/// </summary>
public interface IVoicemailSink
{
    /// <summary>Handles a voicemail; returns the case number created for it, if any.</summary>
    Task<string?> VoicemailRecordedAsync(VoicemailRecorded voicemail, CancellationToken cancellationToken = default);
}

/// <summary>A call or agent event for the CTI layer (the agent workbench).</summary>
/// <param name="Type">queued, ringing, answered, ended, agentState, voicemail.</param>
/// <param name="CallId">The call, when the event is about one.</param>
/// <param name="Caller">Caller number, unmasked; the CTI layer masks it by role.</param>
/// <param name="Agent">Agent extension, if any.</param>
/// <param name="Queue">Queue name, if any.</param>
/// <param name="IvrPath">Digits pressed in the IVR.</param>
/// <param name="State">Call state or agent state.</param>
/// <param name="At">When.</param>
public sealed record CallEvent(string Type, string? CallId, string? Caller, string? Agent, string? Queue, string? IvrPath,
    string State, DateTimeOffset At);

/// <summary>Receives every call and agent event (CTI hub, statistics).</summary>
public interface ICallEventSink
{
    void Publish(CallEvent callEvent);
}

/// <summary>A call detail record (话单) written when a call ends.</summary>
public sealed record CallDetailRecord(string CallId, string Caller, string Called, string? Queue, string? Agent, string IvrPath,
    DateTimeOffset Started, DateTimeOffset? Queued, DateTimeOffset? Answered, DateTimeOffset Ended, string Outcome,
    string? RecordingPath, string? CaseNumber);

/// <summary>Agent states (坐席状态).</summary>
public enum AgentState
{
    LoggedOut,
    Ready,
    NotReady,
    Ringing,
    Talking,
    WrapUp,
}

/// <summary>An agent as CTI shows it.</summary>
public sealed record AgentSnapshot(string Extension, AgentState State, string? Reason, bool Registered, int CallsAnswered,
    double TalkSeconds, DateTimeOffset StateSince);

/// <summary>A queue's live counters as CTI shows them (service level: answered within 15 s).</summary>
public sealed record QueueSnapshot(string Name, int Waiting, int LongestWaitSeconds, int Answered, int AnsweredWithin15s, int Abandoned,
    int Overflowed);

/// <summary>
/// A call in progress as CTI shows it. <paramref name="RecordingId"/> is where the call's recording is (or will be)
/// kept, relative to telephony's data folder (<c>recordings/20261126/abc.wav</c>): the id a case links to; null when
/// calls are not recorded.
/// </summary>
public sealed record CallSnapshot(string CallId, string Caller, string? Agent, string? Queue, string State, DateTimeOffset Started,
    string? RecordingId);
