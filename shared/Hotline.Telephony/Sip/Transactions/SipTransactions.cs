using System.Collections.Concurrent;
using System.Globalization;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.Sip.Transactions;

/// <summary>
/// Sends serialized bytes to a peer; the transaction layer's only way out. Messages are serialized once and the same
/// bytes serve every retransmission, so the array must not be changed after it was handed over.
/// </summary>
internal interface ISipSender
{
    void Send(byte[] message, SipPeer peer);
}

/// <summary>RFC 3261 timer base values (§17.1.1.1); shortened in tests.</summary>
internal sealed record SipTimerValues(TimeSpan T1, TimeSpan T2, TimeSpan T4)
{
    public static SipTimerValues Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));

    public TimeSpan Timeout64 => T1 * 64;
}

/// <summary>Transaction states of RFC 3261 §17 plus "Accepted" of RFC 6026.</summary>
internal enum TransactionState
{
    Calling,
    Trying,
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// <summary>Identity of a transaction: top Via branch and method (ACK and CANCEL handled by the layer).</summary>
internal static class TransactionKey
{
    public static string For(SipMessage m, string method)
    {
        var via = m.TopVia;
        var branch = via?.Branch;
        if (branch is null || !branch.StartsWith(SipVia.MagicCookie, StringComparison.Ordinal))
        {
            // RFC 2543 peers: fall back to the request's identity.
            branch = $"{m.CallId}|{m.FromTag}|{m.CSeq?.Number}";
        }

        return branch + "|" + (method == "ACK" ? "INVITE" : method);
    }
}

/// <summary>A server transaction (RFC 3261 §17.2): absorbs retransmissions and retransmits responses.</summary>
internal sealed class ServerTransaction
{
    private readonly TransactionLayer _layer;
    private readonly Lock _gate = new();
    private SipResponse? _lastResponse;
    private byte[]? _lastResponseBytes;
    private TimerHandle _retransmit;
    private TimerHandle _timeout;
    private TimeSpan _interval;

    public ServerTransaction(TransactionLayer layer, string key, SipRequest request, SipPeer peer)
    {
        _layer = layer;
        Key = key;
        Request = request;
        Peer = peer;
        State = IsInvite ? TransactionState.Proceeding : TransactionState.Trying;
    }

    public string Key { get; }

    public SipRequest Request { get; }

    public SipPeer Peer { get; }

    public bool IsInvite => Request.Method == "INVITE";

    public TransactionState State { get; private set; }

    public SipResponse? LastResponse => _lastResponse;

    /// <summary>The last response as sent: retransmissions send these bytes again (serialized once).</summary>
    internal byte[]? LastResponseBytes => _lastResponseBytes;

    /// <summary>Raised once when an INVITE's final response was never acknowledged (timer H or L).</summary>
    public event Action<ServerTransaction>? AckTimeout;

    /// <summary>Raised when the ACK for this INVITE's final response arrives (non-2xx in-transaction, 2xx by dialog).</summary>
    public event Action<ServerTransaction, SipRequest>? Acknowledged;

    public bool IsFinal => State is TransactionState.Completed or TransactionState.Confirmed or TransactionState.Accepted or TransactionState.Terminated;

    /// <summary>Raised when a CANCEL for this INVITE arrived (its 200 already sent); the TU answers the INVITE (487).</summary>
    public event Action<ServerTransaction>? Cancelled;

    /// <summary>Tells the TU of a CANCEL; false when nobody listens (the engine then answers 487 itself).</summary>
    internal bool RaiseCancelled()
    {
        var handler = Cancelled;
        handler?.Invoke(this);
        return handler is not null;
    }

    public void SendResponse(SipResponse response)
    {
        var timers = _layer.Timers;
        lock (_gate)
        {
            if (IsFinal)
            {
                return;
            }

            _lastResponse = response;
            _lastResponseBytes = response.ToBytes();
            if (response.StatusCode < 200)
            {
                if (!IsInvite)
                {
                    State = TransactionState.Proceeding;
                }

                _layer.Sender.Send(_lastResponseBytes, Peer);
                return;
            }

            if (!IsInvite)
            {
                State = TransactionState.Completed;
                _layer.Sender.Send(_lastResponseBytes, Peer);
                if (Peer.IsReliable)
                {
                    Terminate();
                }
                else
                {
                    _layer.Complete(this, _lastResponseBytes, absorbsAck: false, timers.Timeout64); // timer J
                }

                return;
            }

            // State, ACK matching and timers are in place before the final leaves: its ACK can arrive on another receive
            // thread at once, and one that found no accepted transaction left it retransmitting the 2xx until timer L,
            // holding the call for 32 s.
            State = response.StatusCode < 300 ? TransactionState.Accepted : TransactionState.Completed;
            if (State == TransactionState.Accepted)
            {
                _layer.TrackAccepted(this);
            }

            if (!Peer.IsReliable || State == TransactionState.Accepted)
            {
                _interval = timers.T1;
                _retransmit = _layer.Wheel.Schedule(_interval, RetransmitFinalCallback, this); // timer G (or 2xx, §13.3.1.4)
            }

            _timeout = _layer.Wheel.Schedule(timers.Timeout64, AckTimeoutCallback, this); // timer H / L
            _layer.Sender.Send(_lastResponseBytes, Peer);
        }
    }

    private static readonly Action<object> RetransmitFinalCallback = t => ((ServerTransaction)t).RetransmitFinal();
    private static readonly Action<object> AckTimeoutCallback = t => ((ServerTransaction)t).OnAckTimeout();

    private void RetransmitFinal()
    {
        lock (_gate)
        {
            if (State is not (TransactionState.Completed or TransactionState.Accepted) || _lastResponseBytes is null)
            {
                return;
            }

            _layer.Sender.Send(_lastResponseBytes, Peer);
            _interval = _interval * 2 > _layer.Timers.T2 ? _layer.Timers.T2 : _interval * 2;
            _retransmit = _layer.Wheel.Schedule(_interval, RetransmitFinalCallback, this);
        }
    }

    private void OnAckTimeout()
    {
        bool raise;
        lock (_gate)
        {
            raise = State is TransactionState.Completed or TransactionState.Accepted;
            if (State == TransactionState.Accepted)
            {
                raise = true;
            }

            Terminate();
        }

        if (raise)
        {
            AckTimeout?.Invoke(this);
        }
    }

    /// <summary>A retransmission of the request arrived.</summary>
    internal void OnRequestRetransmission()
    {
        lock (_gate)
        {
            if (_lastResponseBytes is not null && State != TransactionState.Terminated && State != TransactionState.Confirmed)
            {
                _layer.Sender.Send(_lastResponseBytes, Peer);
            }
        }
    }

    internal void OnAck(SipRequest ack)
    {
        bool first;
        lock (_gate)
        {
            first = State is TransactionState.Completed or TransactionState.Accepted;
            if (!first)
            {
                return;
            }

            _retransmit.Cancel();
            _timeout.Cancel();
            if (State == TransactionState.Accepted)
            {
                // RFC 6026 Accepted: INVITE retransmissions are absorbed until timer L; nothing to send again.
                State = TransactionState.Terminated;
                if (Peer.IsReliable)
                {
                    _layer.Remove(this);
                }
                else
                {
                    _layer.Complete(this, null, absorbsAck: false, _layer.Timers.Timeout64);
                }
            }
            else
            {
                State = TransactionState.Confirmed;
                if (Peer.IsReliable)
                {
                    Terminate();
                }
                else
                {
                    _layer.Complete(this, null, absorbsAck: true, _layer.Timers.T4); // timer I
                }
            }
        }

        Acknowledged?.Invoke(this, ack);
    }

    private void Terminate()
    {
        lock (_gate)
        {
            _retransmit.Cancel();
            _timeout.Cancel();
            State = TransactionState.Terminated;
        }

        _layer.Remove(this);
    }
}

/// <summary>A client transaction (RFC 3261 §17.1): retransmits the request, matches responses, times out.</summary>
internal sealed class ClientTransaction
{
    private readonly TransactionLayer _layer;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<SipResponse> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimerHandle _retransmit;
    private TimerHandle _timeout;
    private TimeSpan _interval;
    private byte[]? _requestBytes;

    public ClientTransaction(TransactionLayer layer, string key, SipRequest request, SipPeer peer)
    {
        _layer = layer;
        Key = key;
        Request = request;
        Peer = peer;
        State = IsInvite ? TransactionState.Calling : TransactionState.Trying;
    }

    public string Key { get; }

    public SipRequest Request { get; }

    public SipPeer Peer { get; }

    public bool IsInvite => Request.Method == "INVITE";

    public TransactionState State { get; private set; }

    public bool ReceivedProvisional { get; private set; }

    /// <summary>Completes with the first final response, or a synthesized 408 on timer B/F.</summary>
    public Task<SipResponse> FinalResponse => _final.Task;

    /// <summary>Every response the TU should see: provisionals, the final, and 2xx retransmissions of an INVITE.</summary>
    public event Action<ClientTransaction, SipResponse>? ResponseReceived;

    internal void Start()
    {
        var t = _layer.Timers;
        lock (_gate)
        {
            _requestBytes = Request.ToBytes();
            _layer.Sender.Send(_requestBytes, Peer);
            if (!Peer.IsReliable)
            {
                _interval = t.T1;
                _retransmit = _layer.Wheel.Schedule(_interval, RetransmitCallback, this); // timer A / E
            }

            _timeout = _layer.Wheel.Schedule(t.Timeout64, TimeoutCallback, this); // timer B / F
        }
    }

    private static readonly Action<object> RetransmitCallback = t => ((ClientTransaction)t).Retransmit();
    private static readonly Action<object> TimeoutCallback = t => ((ClientTransaction)t).OnTimeout();
    private static readonly Action<object> TerminateCallback = t => ((ClientTransaction)t).Terminate();

    private void Retransmit()
    {
        lock (_gate)
        {
            if (State is not (TransactionState.Calling or TransactionState.Trying or TransactionState.Proceeding))
            {
                return;
            }

            if ((IsInvite && State == TransactionState.Proceeding) || _requestBytes is null)
            {
                return;
            }

            _layer.Sender.Send(_requestBytes, Peer);
            _interval = IsInvite ? _interval * 2 : (_interval * 2 > _layer.Timers.T2 ? _layer.Timers.T2 : _interval * 2);
            if (!IsInvite && State == TransactionState.Proceeding)
            {
                _interval = _layer.Timers.T2;
            }

            _retransmit = _layer.Wheel.Schedule(_interval, RetransmitCallback, this);
        }
    }

    private void OnTimeout()
    {
        lock (_gate)
        {
            if (State is TransactionState.Completed or TransactionState.Accepted or TransactionState.Terminated)
            {
                Terminate();
                return;
            }
        }

        var timeout = new SipResponse { StatusCode = 408, Reason = "Request Timeout", Headers = Request.Headers.Clone() };
        Terminate();
        _final.TrySetResult(timeout);
    }

    internal void OnResponse(SipResponse response)
    {
        var status = response.StatusCode;
        var notify = false;
        lock (_gate)
        {
            switch (State)
            {
                case TransactionState.Calling or TransactionState.Trying or TransactionState.Proceeding:
                    notify = true;
                    if (status < 200)
                    {
                        ReceivedProvisional = true;
                        State = TransactionState.Proceeding;
                        break;
                    }

                    _retransmit.Cancel();
                    _timeout.Cancel();
                    _requestBytes = null;
                    if (IsInvite && status < 300)
                    {
                        // Until the TU hands its ACK over (TransactionLayer.Acknowledge), 2xx retransmissions go to it.
                        State = TransactionState.Accepted;
                        _timeout = _layer.Wheel.Schedule(_layer.Timers.Timeout64, TerminateCallback, this); // timer M
                    }
                    else
                    {
                        State = TransactionState.Completed;
                        byte[]? ack = null;
                        if (IsInvite)
                        {
                            ack = BuildAck(response).ToBytes();
                            _layer.Sender.Send(ack, Peer);
                        }

                        if (Peer.IsReliable)
                        {
                            State = TransactionState.Terminated;
                            _layer.Remove(this);
                        }
                        else
                        {
                            // timer D / K: what is left answers a retransmitted final with the same ACK
                            _layer.Complete(this, ack, IsInvite ? TimeSpan.FromSeconds(32) : _layer.Timers.T4);
                        }
                    }

                    break;
                case TransactionState.Accepted:
                    notify = status is >= 200 and < 300; // 2xx retransmissions go to the TU, which re-sends its ACK
                    break;
            }
        }

        if (notify)
        {
            ResponseReceived?.Invoke(this, response);
            if (status >= 200)
            {
                _final.TrySetResult(response);
            }
        }
    }

    /// <summary>
    /// The TU's ACK for this INVITE's 2xx (RFC 3261 §13.2.2.4): sent, and kept as bytes for 2xx retransmissions until
    /// timer M; the transaction object itself is let go.
    /// </summary>
    internal void Acknowledge(byte[] ack)
    {
        lock (_gate)
        {
            _layer.Sender.Send(ack, Peer);
            if (State != TransactionState.Accepted)
            {
                return;
            }

            _timeout.Cancel();
            State = TransactionState.Terminated;
            if (Peer.IsReliable)
            {
                _layer.Remove(this);
            }
            else
            {
                _layer.Complete(this, ack, _layer.Timers.Timeout64);
            }
        }
    }

    /// <summary>ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same branch, To from the response.</summary>
    private SipRequest BuildAck(SipResponse response)
    {
        var ack = new SipRequest { Method = "ACK", Uri = Request.Uri };
        ack.Headers.Add("Via", Request.Headers["Via"]!);
        foreach (var route in Request.Headers.GetAll("Route"))
        {
            ack.Headers.Add("Route", route);
        }

        ack.Headers.Add("From", Request.Headers["From"]!);
        ack.Headers.Add("To", response.Headers["To"] ?? Request.Headers["To"]!);
        ack.Headers.Add("Call-ID", Request.CallId!);
        ack.Headers.Add("CSeq", $"{Request.CSeq!.Value.Number.ToString(CultureInfo.InvariantCulture)} ACK");
        ack.Headers.Add("Max-Forwards", "70");
        return ack;
    }

    private void Terminate()
    {
        lock (_gate)
        {
            _retransmit.Cancel();
            _timeout.Cancel();
            State = TransactionState.Terminated;
        }

        _layer.Remove(this);
    }
}

/// <summary>What the transaction layer did with an incoming request.</summary>
internal enum RequestDisposition
{
    /// <summary>A retransmission or in-transaction ACK, fully handled.</summary>
    Absorbed,
    /// <summary>A new server transaction the TU must answer.</summary>
    NewTransaction,
    /// <summary>An ACK for a 2xx, which belongs to the dialog (TU).</summary>
    AckForDialog,
}

/// <summary>
/// Matches messages to transactions by hash lookup (branch + method), runs their timers on a shared wheel, and hands new
/// requests to the transaction user. No global lock: each transaction serializes itself.
/// </summary>
internal sealed class TransactionLayer
{
    private readonly ConcurrentDictionary<string, ServerTransaction> _server = new();
    private readonly ConcurrentDictionary<string, ClientTransaction> _client = new();
    private readonly ConcurrentDictionary<string, ServerTransaction> _accepted = new();
    private readonly CompletedTransactionTable _serverDone;
    private readonly CompletedTransactionTable _clientDone;

    public TransactionLayer(ISipSender sender, TimerWheel wheel, SipTimerValues? timers = null)
    {
        Sender = sender;
        Wheel = wheel;
        Timers = timers ?? SipTimerValues.Default;
        _serverDone = new CompletedTransactionTable(wheel.Time);
        _clientDone = new CompletedTransactionTable(wheel.Time);
    }

    public ISipSender Sender { get; }

    public TimerWheel Wheel { get; }

    public SipTimerValues Timers { get; }

    public int ServerCount => _server.Count;

    public int ClientCount => _client.Count;

    /// <summary>Finished transactions still absorbing retransmissions (server and client).</summary>
    public int CompletedCount => _serverDone.Count + _clientDone.Count;

    public RequestDisposition OnRequest(SipRequest request, SipPeer peer, out ServerTransaction? transaction)
    {
        transaction = null;
        var key = TransactionKey.For(request, request.Method);
        if (request.Method == "ACK")
        {
            if (_server.TryGetValue(key, out var invite) && invite.State != TransactionState.Accepted)
            {
                invite.OnAck(request);
                return RequestDisposition.Absorbed;
            }

            if (_serverDone.TryFind(key, wantResend: false, out var confirmed) && confirmed.AbsorbsAck)
            {
                return RequestDisposition.Absorbed; // retransmitted ACK for a non-2xx final (timer I)
            }

            if (_accepted.TryRemove(DialogKey(request), out var accepted))
            {
                accepted.OnAck(request);
            }

            return RequestDisposition.AckForDialog;
        }

        if (_serverDone.TryFind(key, wantResend: true, out var done))
        {
            if (done.Resend is { } bytes)
            {
                Sender.Send(bytes, done.Peer!); // the cached final response, byte for byte
            }

            return RequestDisposition.Absorbed;
        }

        var created = new ServerTransaction(this, key, request, peer);
        var existing = _server.GetOrAdd(key, created);
        if (!ReferenceEquals(existing, created))
        {
            existing.OnRequestRetransmission();
            return RequestDisposition.Absorbed;
        }

        transaction = created;
        if (request.Method == "INVITE")
        {
            // §17.2.1: answer 100 at once so the client stops retransmitting.
            created.SendResponse(request.CreateResponse(100));
        }

        return RequestDisposition.NewTransaction;
    }

    /// <summary>The INVITE server transaction a CANCEL refers to (same branch).</summary>
    public ServerTransaction? FindInviteFor(SipRequest cancel) =>
        _server.TryGetValue(TransactionKey.For(cancel, "INVITE"), out var t) ? t : null;

    /// <summary>Routes a response to its client transaction; false when none matches (stray or 2xx after termination).</summary>
    public bool OnResponse(SipResponse response)
    {
        var method = response.CSeq?.Method;
        if (method is null)
        {
            return false;
        }

        var key = TransactionKey.For(response, method);
        if (_client.TryGetValue(key, out var t))
        {
            t.OnResponse(response);
            return true;
        }

        if (_clientDone.TryFind(key, wantResend: response.StatusCode >= 200, out var done))
        {
            if (done.Resend is { } ack)
            {
                Sender.Send(ack, done.Peer!); // a retransmitted final: our ACK again, the TU is not bothered
            }

            return true;
        }

        return false;
    }

    /// <summary>Sends the TU's ACK for a 2xx to an INVITE this layer sent, and keeps it for 2xx retransmissions.</summary>
    public void Acknowledge(ClientTransaction invite, SipRequest ack) => invite.Acknowledge(ack.ToBytes());

    /// <summary>Replaces a finished server transaction by what answering its retransmissions needs, for <paramref name="keep"/>.</summary>
    internal void Complete(ServerTransaction t, byte[]? resend, bool absorbsAck, TimeSpan keep)
    {
        _serverDone.Add(t.Key, resend, resend is not null, t.Peer, absorbsAck, keep); // before leaving the live table:
        Remove(t);                                                                     // a retransmission finds one of the two
    }

    /// <summary>Replaces a finished client transaction by what answering retransmitted finals needs, for <paramref name="keep"/>.</summary>
    internal void Complete(ClientTransaction t, byte[]? resend, TimeSpan keep)
    {
        _clientDone.Add(t.Key, resend, resend is not null, t.Peer, absorbsAck: false, keep);
        Remove(t);
    }

    public ClientTransaction Send(SipRequest request, SipPeer peer)
    {
        var key = TransactionKey.For(request, request.Method);
        var t = new ClientTransaction(this, key, request, peer);
        _client[key] = t;
        t.Start();
        return t;
    }

    /// <summary>Builds CANCEL for a pending INVITE (RFC 3261 §9.1) and sends it in its own transaction.</summary>
    public ClientTransaction Cancel(ClientTransaction invite)
    {
        var r = invite.Request;
        var cancel = new SipRequest { Method = "CANCEL", Uri = r.Uri };
        cancel.Headers.Add("Via", r.Headers["Via"]!);
        foreach (var route in r.Headers.GetAll("Route"))
        {
            cancel.Headers.Add("Route", route);
        }

        cancel.Headers.Add("From", r.Headers["From"]!);
        cancel.Headers.Add("To", r.Headers["To"]!);
        cancel.Headers.Add("Call-ID", r.CallId!);
        cancel.Headers.Add("CSeq", $"{r.CSeq!.Value.Number.ToString(CultureInfo.InvariantCulture)} CANCEL");
        cancel.Headers.Add("Max-Forwards", "70");
        return Send(cancel, invite.Peer);
    }

    internal void TrackAccepted(ServerTransaction t) => _accepted[DialogKey(t.Request)] = t;

    private static string DialogKey(SipRequest r) => $"{r.CallId}|{r.CSeq?.Number}";

    internal void Remove(ServerTransaction t)
    {
        _server.TryRemove(new KeyValuePair<string, ServerTransaction>(t.Key, t));
        if (t.State is TransactionState.Terminated or TransactionState.Confirmed)
        {
            _accepted.TryRemove(new KeyValuePair<string, ServerTransaction>(DialogKey(t.Request), t));
        }
    }

    internal void Remove(ClientTransaction t) => _client.TryRemove(new KeyValuePair<string, ClientTransaction>(t.Key, t));
}
