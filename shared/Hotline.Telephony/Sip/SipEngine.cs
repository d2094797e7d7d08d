using System.Net;
using System.Security.Cryptography;
using Hotline.Telephony.Sip.Dialogs;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Registrar;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.Sip;

/// <summary>
/// The SIP element of a city node: transports, transaction layer, dialogs and registrar. It raises new INVITEs to the
/// application <see cref="Attach"/>ed to it (the call center, wired by the module) and hands requests inside a dialog to
/// the dialog's owner; it knows nothing of calls. Runs without ASP.NET: new it up with options, <see cref="StartAsync"/>
/// (ports may be 0), read the bound endpoints, stop it.
/// </summary>
internal sealed class SipEngine : ISipSender, IAsyncDisposable
{
    internal static readonly string[] Allowed = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "REFER"];
    private static readonly HashSet<string> KnownButRefused = new(StringComparer.Ordinal)
    {
        "SUBSCRIBE", "NOTIFY", "MESSAGE", "PUBLISH", "REFER", "PRACK",
    };

    private static readonly HashSet<string> SupportedExtensions = new(StringComparer.OrdinalIgnoreCase) { "timer" };

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private UdpSipTransport? _udp;
    private TcpSipTransport? _tcp;
    private ISipApplication? _application;

    public SipEngine(SipOptions options, ILoggerFactory loggers, TimeProvider? time = null, SipTimerValues? timers = null)
    {
        Options = options;
        _logger = loggers.CreateLogger("Hotline.Telephony.Sip");
        _time = time ?? TimeProvider.System;
        Wheel = new TimerWheel(_time);
        Transactions = new TransactionLayer(this, Wheel, timers);
        Digest = new DigestAuthenticator(options.Realm, _time, TimeSpan.FromSeconds(options.NonceLifetimeSeconds),
            options.LockoutThreshold, TimeSpan.FromSeconds(options.LockoutSeconds));
        Registrar = new Registrar.Registrar(_time);
    }

    public SipOptions Options { get; }

    public TimerWheel Wheel { get; }

    public TransactionLayer Transactions { get; }

    public DigestAuthenticator Digest { get; }

    public Registrar.Registrar Registrar { get; }

    public DialogTable Dialogs { get; } = new();

    /// <summary>Sets who receives new INVITEs; until then they are answered 503.</summary>
    public void Attach(ISipApplication application) => _application = application;

    public IPEndPoint UdpEndPoint => _udp?.LocalEndPoint ?? throw new InvalidOperationException("not started");

    public IPEndPoint? TcpEndPoint => _tcp?.LocalEndPoint;

    /// <summary>Counts of what arrived, for monitoring and tests.</summary>
    public long Received => Interlocked.Read(ref _received);

    public long Malformed => Interlocked.Read(ref _malformed);

    private long _received;
    private int _stopped;
    private long _malformed;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _udp = new UdpSipTransport(IPEndPoint.Parse(Options.Udp), OnReceive);
        if (!string.IsNullOrEmpty(Options.Tcp))
        {
            var tcp = IPEndPoint.Parse(Options.Tcp);
            if (tcp.Port == 0 && IPEndPoint.Parse(Options.Udp).Port == 0)
            {
                tcp.Port = _udp.LocalEndPoint.Port; // same port for both when free ports are asked for, if available
                try
                {
                    _tcp = new TcpSipTransport(tcp, OnReceive);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    tcp.Port = 0;
                }
            }

            _tcp ??= new TcpSipTransport(tcp, OnReceive);
        }

        TelephonyLog.Listening(_logger, _udp.LocalEndPoint, _tcp?.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        if (_udp is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (_udp is not null)
        {
            await _udp.DisposeAsync().ConfigureAwait(false);
        }

        if (_tcp is not null)
        {
            await _tcp.DisposeAsync().ConfigureAwait(false);
        }

        Wheel.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>The address to put in Via/Contact for a transport.</summary>
    public IPEndPoint LocalFor(SipTransportKind kind) => kind == SipTransportKind.Tcp && _tcp is not null ? _tcp.LocalEndPoint : UdpEndPoint;

    public static string NewBranch() => SipVia.MagicCookie + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string NewTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>Serializes and sends a message outside any transaction (stateless answers, ACK for 2xx).</summary>
    public void Send(SipMessage message, SipPeer peer) => Send(message.ToBytes(), peer);

    public void Send(byte[] bytes, SipPeer peer)
    {
        ISipTransport? t = peer.Kind == SipTransportKind.Tcp ? _tcp : _udp;
        if (t is null)
        {
            return;
        }

        var pending = t.SendAsync(bytes, peer.Remote);
        if (!pending.IsCompletedSuccessfully)
        {
            _ = pending.AsTask();
        }
    }

    internal void OnReceive(byte[] data, SipPeer peer)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Receive(data, peer);
        }
        finally
        {
            EngineCounters.AddSip(started);
        }
    }

    private void Receive(byte[] data, SipPeer peer)
    {
        Interlocked.Increment(ref _received);
        var parsed = SipParser.Parse(data, stream: peer.IsReliable);
        if (!parsed.Ok)
        {
            Interlocked.Increment(ref _malformed);
            TelephonyLog.Dropped(_logger, peer.Remote.ToString(), parsed.Error.ToString(), parsed.Detail);
            RejectMalformed(parsed, peer);
            return;
        }

        try
        {
            if (parsed.Message is SipResponse response)
            {
                if (!Transactions.OnResponse(response) && response.StatusCode is >= 200 and < 300 && response.CSeq?.Method == "INVITE")
                {
                    Dialogs.ForResponse(response)?.ResendAck(); // a 2xx again after its transaction ended: our ACK again
                }

                return;
            }

            OnRequest((SipRequest)parsed.Message!, peer);
        }
#pragma warning disable CA1031 // one bad message must not stop the receive loop
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TelephonyLog.CallFailed(_logger, parsed.Message?.CallId ?? "?", ex);
        }
    }

    /// <summary>Answers what can be answered (a 400 needs Via, From, To, Call-ID, CSeq to route); drops the rest.</summary>
    private void RejectMalformed(SipParseResult parsed, SipPeer peer)
    {
        var partial = parsed.Partial;
        if (partial is null || partial.Method == "ACK" || partial.TopVia is null || partial.CallId is null
            || partial.Headers["From"] is null || partial.Headers["To"] is null)
        {
            return;
        }

        if (parsed.Error is SipParseError.BadCSeq && !partial.Headers.Contains("CSeq"))
        {
            return;
        }

        var status = parsed.Error == SipParseError.UnsupportedVersion ? 505 : 400;
        var reason = parsed.Error switch
        {
            SipParseError.BadCSeq => "Bad CSeq",
            SipParseError.BadContentLength => "Bad Content-Length",
            SipParseError.MissingHeader => "Missing " + parsed.Detail,
            SipParseError.UnsupportedVersion => "Version Not Supported",
            _ => "Bad Request",
        };
        var r = partial.CreateResponse(status, reason, NewTag());
        Send(r, peer);
    }

    private void OnRequest(SipRequest request, SipPeer peer)
    {
        if (request.Method != "ACK" && request.Method != "CANCEL")
        {
            if (int.TryParse(request.Headers["Max-Forwards"], out var mf) && mf <= 0)
            {
                Send(request.CreateResponse(483, toTag: NewTag()), peer);
                return;
            }

            var unsupported = request.Headers.GetAll("Require").Where(r => !SupportedExtensions.Contains(r)).ToList();
            if (unsupported.Count > 0)
            {
                var bad = request.CreateResponse(420, toTag: NewTag());
                bad.Headers.Add("Unsupported", string.Join(", ", unsupported));
                Send(bad, peer);
                return;
            }
        }

        switch (Transactions.OnRequest(request, peer, out var tx))
        {
            case RequestDisposition.Absorbed:
                return;
            case RequestDisposition.AckForDialog:
                if (Dialogs.ForRequest(request) is { } acked)
                {
                    acked.Owner.OnAck(acked, request);
                }

                return;
        }

        var t = tx!;
        switch (request.Method)
        {
            case "OPTIONS":
                var ok = request.CreateResponse(200, toTag: NewTag());
                ok.Headers.Add("Allow", string.Join(", ", Allowed));
                ok.Headers.Add("Accept", "application/sdp, application/dtmf-relay, application/dtmf");
                ok.Headers.Add("Supported", "timer");
                ok.Headers.Add("Server", "Hotline.Telephony");
                t.SendResponse(ok);
                return;
            case "REGISTER":
                OnRegister(t);
                return;
            case "INVITE" when request.ToTag is null:
                if (_application is { } application)
                {
                    application.OnInvite(t);
                }
                else
                {
                    t.SendResponse(request.CreateResponse(503, toTag: NewTag()));
                }

                return;
            case "CANCEL":
                OnCancel(t);
                return;
            case "INVITE" or "BYE" or "INFO" or "UPDATE":
            case "REFER" when request.ToTag is not null: // a transfer inside a call; outside one there is nothing to transfer
                OnInDialog(t);
                return;
            default:
                var refuse = request.CreateResponse(KnownButRefused.Contains(request.Method) ? 405 : 501, toTag: NewTag());
                refuse.Headers.Add("Allow", string.Join(", ", Allowed));
                t.SendResponse(refuse);
                return;
        }
    }

    /// <summary>RFC 3261 §9.2: 200 to the CANCEL, then the INVITE's owner answers it (487), or the engine if it has none.</summary>
    private void OnCancel(ServerTransaction t)
    {
        var invite = Transactions.FindInviteFor(t.Request);
        if (invite is null)
        {
            t.SendResponse(t.Request.CreateResponse(481, toTag: NewTag()));
            return;
        }

        t.SendResponse(t.Request.CreateResponse(200, toTag: invite.LastResponse?.ToTag));
        if (!invite.RaiseCancelled() && !invite.IsFinal)
        {
            invite.SendResponse(invite.Request.CreateResponse(487));
        }
    }

    /// <summary>A request with a To tag: to the owner of its dialog (481 without one, 500 when its CSeq is out of order).</summary>
    private void OnInDialog(ServerTransaction t)
    {
        var request = t.Request;
        if (Dialogs.ForRequest(request) is not { } dialog || dialog.State == DialogState.Terminated && request.Method != "BYE")
        {
            t.SendResponse(request.CreateResponse(481));
            return;
        }

        if (!dialog.AcceptRequest(request))
        {
            t.SendResponse(request.CreateResponse(500, "CSeq Out of Order"));
            return;
        }

        dialog.Owner.OnRequest(dialog, t);
    }

    private void OnRegister(ServerTransaction t)
    {
        var request = t.Request;
        if (!NameAddress.TryParse(request.Headers["To"], out var to) || to.SipUri?.User is not { } extension)
        {
            t.SendResponse(request.CreateResponse(400, "Bad To", NewTag()));
            return;
        }

        var outcome = Digest.Verify(request.Headers["Authorization"], "REGISTER", t.Peer.Remote.Address.ToString(),
            user => user == extension ? Options.Extensions.FirstOrDefault(e => e.Extension == user)?.Password : null, out var user);
        switch (outcome)
        {
            case DigestOutcome.Ok:
                var ok = Registrar.Apply(request, t.Peer, extension, NewTag());
                if (Registrar.Find(extension) is { } reg)
                {
                    TelephonyLog.Registered(_logger, extension, reg.Contact);
                }

                t.SendResponse(ok);
                return;
            case DigestOutcome.Challenge or DigestOutcome.Stale:
                var challenge = request.CreateResponse(401, toTag: NewTag());
                challenge.Headers.Add("WWW-Authenticate", Digest.Challenge(outcome == DigestOutcome.Stale));
                t.SendResponse(challenge);
                return;
            default:
                TelephonyLog.AuthFailed(_logger, user ?? "?", t.Peer.Remote.ToString(), outcome.ToString());
                t.SendResponse(request.CreateResponse(403, outcome == DigestOutcome.LockedOut ? "Locked Out" : "Forbidden", NewTag()));
                return;
        }
    }
}
