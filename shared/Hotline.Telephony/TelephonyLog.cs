using System.Net;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony;

/// <summary>Source-generated log messages of the telephony module (event ids 5000–5099).</summary>
internal static partial class TelephonyLog
{
    [LoggerMessage(5000, LogLevel.Information, "SIP listening on UDP {Udp} and TCP {Tcp}")]
    public static partial void Listening(ILogger logger, IPEndPoint udp, IPEndPoint? tcp);

    [LoggerMessage(5001, LogLevel.Debug, "Dropped unparseable SIP from {Remote}: {Error} {Detail}")]
    public static partial void Dropped(ILogger logger, string remote, string error, string detail);

    [LoggerMessage(5002, LogLevel.Information, "Extension {Extension} registered at {Contact}")]
    public static partial void Registered(ILogger logger, string extension, string contact);

    [LoggerMessage(5003, LogLevel.Warning, "Digest failure for {User} from {Remote}: {Outcome}")]
    public static partial void AuthFailed(ILogger logger, string user, string remote, string outcome);

    [LoggerMessage(5004, LogLevel.Information, "Call {CallId} from {Caller} entered {State}")]
    public static partial void CallState(ILogger logger, string callId, string caller, string state);

    [LoggerMessage(5005, LogLevel.Information, "Call {CallId} got DTMF {Digit} via {Source}")]
    public static partial void Dtmf(ILogger logger, string callId, char digit, string source);

    [LoggerMessage(5006, LogLevel.Information, "Voicemail of call {CallId} stored at {Path}")]
    public static partial void Voicemail(ILogger logger, string callId, string path);

    [LoggerMessage(5007, LogLevel.Warning, "Prompt synthesis failed for {Name}: {Reason}")]
    public static partial void PromptFailed(ILogger logger, string name, string reason);

    [LoggerMessage(5008, LogLevel.Error, "Call {CallId} failed")]
    public static partial void CallFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(5009, LogLevel.Information, "Agent {Extension} is now {State}")]
    public static partial void AgentState(ILogger logger, string extension, string state);

    [LoggerMessage(5010, LogLevel.Warning, "Call {CallId} hung up: no RTP for {Seconds} s")]
    public static partial void RtpTimeout(ILogger logger, string callId, int seconds);

    [LoggerMessage(5011, LogLevel.Information, "Call-back request {Id} for call {CallId} ({Reason})")]
    public static partial void CallbackRequested(ILogger logger, string id, string callId, string reason);
}
