using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.CallControl;

/// <summary>The default voicemail sink: the recording stays where it was written; the message is logged.</summary>
internal sealed class FileVoicemailSink(SipOptions options, ILoggerFactory loggers) : IVoicemailSink
{
    private readonly ILogger _logger = loggers.CreateLogger<FileVoicemailSink>();

    public SipOptions Options { get; } = options;

    public Task<string?> VoicemailRecordedAsync(VoicemailRecorded voicemail, CancellationToken cancellationToken = default)
    {
        TelephonyLog.Voicemail(_logger, voicemail.CallId, voicemail.RecordingPath);
        return Task.FromResult<string?>(null);
    }
}
