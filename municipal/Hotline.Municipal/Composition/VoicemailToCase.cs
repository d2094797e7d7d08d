using System.Globalization;
using Hotline.SharedKernel;
using Hotline.Telephony;
using Hotline.Ticketing;
using Microsoft.Extensions.Options;

namespace Hotline.Municipal.Composition;

/// <summary>
/// Binds telephony's voicemail (留言) to ticketing's intake: every voicemail becomes a case on channel Voicemail with the
/// caller's number and the recording linked (<see cref="AcceptCase.RecordingId"/>). Telephony and ticketing stay
/// unaware of each other; only the city host knows both.
/// </summary>
internal sealed partial class VoicemailToCase(
    IServiceScopeFactory scopes,
    IOptions<SipOptions> sip,
    ILogger<VoicemailToCase> logger) : IVoicemailSink
{
    public async Task<string?> VoicemailRecordedAsync(VoicemailRecorded voicemail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voicemail);
        var command = new AcceptCase(
            CaseChannel.Voicemail,
            TypeOf(voicemail.Queue),
            DescriptionOf(voicemail),
            CallerPhone: voicemail.Caller,
            OccurredAt: voicemail.ReceivedAt,
            RecordingId: RecordingLinks.IdOf(sip.Value.DataDirectory, voicemail.RecordingPath));

        await using var scope = scopes.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
        var result = await intake.AcceptAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            LogRefused(logger, voicemail.CallId, Masking.Phone(voicemail.Caller), result.Error!.Message);
            return null;
        }

        LogFiled(logger, voicemail.CallId, result.Value.CaseNumber);
        return result.Value.CaseNumber;
    }

    /// <summary>The queue the caller chose in the IVR tells the kind of matter; without one it is an inquiry.</summary>
    internal static CaseType TypeOf(string? queue) => queue switch
    {
        "complaint" => CaseType.Complaint,
        "suggestion" => CaseType.Suggestion,
        _ => CaseType.Inquiry,
    };

    internal static string DescriptionOf(VoicemailRecorded voicemail)
    {
        var reason = voicemail.Reason == "afterHours" ? "非工作时间" : "排队超时";
        var seconds = Math.Round(voicemail.Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var queue = voicemail.Queue is { Length: > 0 } q ? $"，所选队列 {q}" : string.Empty;
        return $"电话留言（{reason}{queue}），时长 {seconds} 秒，请收听录音后回访来电人。";
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Voicemail {CallId} filed as case {CaseNumber}")]
    private static partial void LogFiled(ILogger logger, string callId, string caseNumber);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "Voicemail {CallId} from {Caller} was not filed: {Reason}")]
    private static partial void LogRefused(ILogger logger, string callId, string caller, string reason);
}
