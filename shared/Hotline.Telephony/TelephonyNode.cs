using Hotline.Telephony.CallControl;
using Hotline.Telephony.Sip;
using Hotline.Telephony.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony;

/// <summary>
/// A city node's telephony as one piece: the SIP engine and the call center wired onto it (the engine raises new INVITEs
/// to the call center and knows nothing else of calls). Started and stopped in order: sockets first, then the calls;
/// at the end the calls hang up while the sockets can still say so.
/// </summary>
internal sealed class TelephonyNode : IAsyncDisposable
{
    private int _stopped;

    public TelephonyNode(SipOptions options, ILoggerFactory loggers, TimeProvider? time = null, IVoicemailSink? voicemail = null,
        ICallEventSink? events = null, SipTimerValues? timers = null)
    {
        time ??= TimeProvider.System;
        Engine = new SipEngine(options, loggers, time, timers);
        Calls = new CallCenter(Engine, options, loggers, time, voicemail ?? new FileVoicemailSink(options, loggers), events);
        Engine.Attach(Calls);
    }

    public SipEngine Engine { get; }

    public CallCenter Calls { get; }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await Engine.StartAsync(cancellationToken).ConfigureAwait(false);
        await Calls.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await Calls.StopAsync().ConfigureAwait(false);
        await Engine.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
