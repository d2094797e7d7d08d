using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Hotline.Telephony;

/// <summary>
/// The call center's SIP and IVR settings, bound from the <c>Sip</c> section and validated at start-up.
/// 呼叫中心 (call center) configuration: addresses, the 12328 number, extensions, business hours, queues.
/// </summary>
public sealed class SipOptions
{
    public const string SectionName = "Sip";

    /// <summary>UDP listen address, e.g. <c>127.0.0.1:5080</c>; port 0 picks a free port.</summary>
    [Required]
    public string Udp { get; set; } = "127.0.0.1:5080";

    /// <summary>TCP listen address; empty disables TCP.</summary>
    public string? Tcp { get; set; } = "127.0.0.1:5080";

    /// <summary>The hotline number that reaches the IVR.</summary>
    [Required]
    [RegularExpression("^[0-9]{3,16}$")]
    public string Hotline { get; set; } = "12328";

    /// <summary>Digest realm for REGISTER and non-loopback INVITE.</summary>
    [Required]
    public string Realm { get; set; } = "12328.local";

    /// <summary>Agent and internal extensions with their SIP passwords.</summary>
    public List<SipExtension> Extensions { get; set; } = [];

    /// <summary>Accept calls from loopback addresses without digest (demo trunk).</summary>
    public bool TrustLoopback { get; set; } = true;

    /// <summary>Where prompts, recordings, voicemail and call detail records go.</summary>
    public string DataDirectory { get; set; } = Path.Combine("data", "telephony");

    /// <summary>Nonce lifetime for digest challenges.</summary>
    [Range(5, 86400)]
    public int NonceLifetimeSeconds { get; set; } = 300;

    /// <summary>Wrong passwords from one source for one user before it is locked out.</summary>
    [Range(1, 1000)]
    public int LockoutThreshold { get; set; } = 5;

    [Range(1, 86400)]
    public int LockoutSeconds { get; set; } = 300;

    /// <summary>Business hours (local time, HH:mm); outside them callers reach voicemail.</summary>
    public string BusinessHoursStart { get; set; } = "00:00";

    public string BusinessHoursEnd { get; set; } = "24:00";

    /// <summary>Time zone id for business hours.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>Seconds an agent rings before the call moves on and the agent goes not-ready.</summary>
    [Range(1, 300)]
    public int RingTimeoutSeconds { get; set; } = 15;

    /// <summary>Wrap-up (话后处理) seconds after a call before the agent is offered the next one.</summary>
    [Range(0, 3600)]
    public int WrapUpSeconds { get; set; } = 5;

    /// <summary>Seconds between position announcements while queued.</summary>
    [Range(1, 600)]
    public int PositionAnnouncementSeconds { get; set; } = 20;

    /// <summary>Seconds of IVR silence after the menu before the call goes to the general queue.</summary>
    [Range(1, 120)]
    public int MenuTimeoutSeconds { get; set; } = 10;

    /// <summary>Longest voicemail in seconds.</summary>
    [Range(5, 600)]
    public int VoicemailMaxSeconds { get; set; } = 120;

    /// <summary>Seconds without RTP from a talking party before the call is torn down.</summary>
    [Range(2, 3600)]
    public int RtpTimeoutSeconds { get; set; } = 60;

    /// <summary>RTP ports opened at start and kept ready (two per call: caller and agent leg); more are opened on demand.</summary>
    [Range(2, 30000)]
    public int RtpPortPoolSize { get; set; } = 64;

    /// <summary>Announce the estimated wait (from recent answer times) with the queue position.</summary>
    public bool AnnounceWaitTime { get; set; } = true;

    /// <summary>Newly registered extensions become ready agents (demo); otherwise they start logged out.</summary>
    public bool AgentsReadyOnRegister { get; set; } = true;

    /// <summary>
    /// How a call to the hotline number is taken while the IVR and the queue serve it: <see cref="IvrAnswerMode.Answer"/>
    /// (200 OK at the IVR, as Asterisk, FreeSWITCH and VICIdial do: the caller waits in a confirmed dialog that no
    /// carrier's INVITE timer, RFC 3261 Timer C, can drop) or <see cref="IvrAnswerMode.EarlyMedia"/> (183 with the IVR's
    /// audio, 200 only when an agent answers). Either way a call counts as answered only when an agent answers it.
    /// </summary>
    public IvrAnswerMode IvrAnswer { get; set; } = IvrAnswerMode.Answer;

    /// <summary>Record every bridged call as stereo WAV (caller left, agent right).</summary>
    public bool RecordCalls { get; set; } = true;

    /// <summary>The ACD queues; the default menu maps 1–4 and 0 onto these by name.</summary>
    public List<QueueOptions> Queues { get; set; } =
    [
        new() { Name = "complaint", Digit = "1" },
        new() { Name = "inquiry", Digit = "2" },
        new() { Name = "suggestion", Digit = "3" },
        new() { Name = "progress", Digit = "4" },
        new() { Name = "general", Digit = "0" },
    ];

    /// <summary>Checks values that attributes cannot express; each message names the field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPEndPoint.TryParse(Udp, out _))
        {
            errors.Add($"Sip:Udp '{Udp}' is not an address:port.");
        }

        if (!string.IsNullOrEmpty(Tcp) && !IPEndPoint.TryParse(Tcp, out _))
        {
            errors.Add($"Sip:Tcp '{Tcp}' is not an address:port.");
        }

        if (!TimeOnlyOrMidnight(BusinessHoursStart) || !TimeOnlyOrMidnight(BusinessHoursEnd))
        {
            errors.Add("Sip:BusinessHoursStart/End must be HH:mm.");
        }

        foreach (var e in Extensions.Where(e => string.IsNullOrWhiteSpace(e.Extension) || string.IsNullOrEmpty(e.Password)))
        {
            errors.Add($"Sip:Extensions entry '{e.Extension}' needs an extension and a password.");
        }

        if (Extensions.GroupBy(e => e.Extension).Any(g => g.Count() > 1))
        {
            errors.Add("Sip:Extensions has duplicate extensions.");
        }

        if (Queues.Count == 0 || Queues.GroupBy(q => q.Name).Any(g => g.Count() > 1))
        {
            errors.Add("Sip:Queues must be non-empty with unique names.");
        }

        return errors;
    }

    private static bool TimeOnlyOrMidnight(string s) => s == "24:00" || TimeOnly.TryParseExact(s, "HH:mm", out _);
}

/// <summary>How the IVR takes a call to the hotline (<see cref="SipOptions.IvrAnswer"/>).</summary>
public enum IvrAnswerMode
{
    /// <summary>200 OK when the IVR starts.</summary>
    Answer,

    /// <summary>183 Session Progress with the IVR's audio until an agent answers.</summary>
    EarlyMedia,
}

/// <summary>A SIP extension (分机) an agent's phone registers with.</summary>
public sealed class SipExtension
{
    public string Extension { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    /// <summary>Skills (queue names) this agent serves; empty means every queue.</summary>
    public List<string> Skills { get; set; } = [];
}

/// <summary>An ACD queue (队列) for one business type.</summary>
public sealed class QueueOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The IVR digit that selects this queue, if any.</summary>
    public string? Digit { get; set; }

    public DistributionStrategy Strategy { get; set; } = DistributionStrategy.LongestIdle;

    /// <summary>Seconds a caller waits before overflow (to voicemail, or the call-back offer).</summary>
    public int MaxWaitSeconds { get; set; } = 120;

    /// <summary>What happens at <see cref="MaxWaitSeconds"/>: voicemail, or the offer of a call-back (回拨) by a key press.</summary>
    public OverflowAction Overflow { get; set; } = OverflowAction.Voicemail;

    /// <summary>Higher-priority queues are served first when an agent serves several.</summary>
    public int Priority { get; set; }
}

/// <summary>Where a caller goes who waited a queue's longest wait (溢出).</summary>
public enum OverflowAction
{
    /// <summary>Leave a message that becomes a case.</summary>
    Voicemail,

    /// <summary>Offered a call-back: pressing 1 leaves the caller id as a call-back request; no key → voicemail.</summary>
    Callback,
}

/// <summary>How a queue picks the agent for the next call.</summary>
public enum DistributionStrategy
{
    /// <summary>The ready agent idle the longest.</summary>
    LongestIdle,
    /// <summary>Agents in turn, continuing after the last one offered a call.</summary>
    RoundRobin,
    /// <summary>The ready agent who answered the fewest calls.</summary>
    FewestCalls,
    /// <summary>Every ready agent rings; the first to answer gets the call.</summary>
    RingAll,
    /// <summary>Always the first ready agent in configured order.</summary>
    Linear,
    /// <summary>The ready agent with the least total talk time.</summary>
    LeastTalkTime,
}
