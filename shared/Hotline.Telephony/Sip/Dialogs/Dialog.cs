using System.Globalization;
using System.Net;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.Sip.Dialogs;

/// <summary>Which side of the INVITE that created the dialog we are.</summary>
internal enum DialogRole
{
    /// <summary>We received the INVITE (the caller's leg of a B2BUA).</summary>
    Uas,

    /// <summary>We sent the INVITE (a leg towards an agent's phone).</summary>
    Uac,
}

/// <summary>RFC 3261 §12: early after a provisional response with a tag, confirmed after a 2xx, terminated at the end.</summary>
internal enum DialogState
{
    /// <summary>A UAC's INVITE is out, no response with a To tag yet: not in the table, nothing can reach it.</summary>
    Pending,
    Early,
    Confirmed,
    Terminated,
}

/// <summary>
/// Whoever a dialog belongs to (a call): the engine hands it the requests and ACKs that arrive inside the dialog. Called
/// on the engine's receive threads; an owner with its own thread posts the work there.
/// </summary>
internal interface IDialogOwner
{
    /// <summary>A request inside the dialog (BYE, INFO, UPDATE, re-INVITE …) whose CSeq the dialog accepted.</summary>
    void OnRequest(Dialog dialog, ServerTransaction transaction);

    /// <summary>The ACK for a 2xx this dialog sent (it carries the answer of a delayed offer).</summary>
    void OnAck(Dialog dialog, SipRequest ack);
}

/// <summary>
/// One SIP dialog (RFC 3261 §12) on either side: its identity (Call-ID and both tags), both CSeq counters, the remote
/// target, the route set and the peer it talks to. It builds every request sent inside it, the ACK for a 2xx and the
/// tagged responses of the INVITE that made it, so no caller above it writes Via, From, To, Call-ID or CSeq.
/// </summary>
internal sealed class Dialog
{
    private readonly SipEngine _engine;
    private readonly Lock _gate = new();
    private readonly string _localUri;  // name-addr without tag: From of our requests
    private readonly string _remoteUri; // name-addr without tag: To of our requests
    private List<string> _routeSet;
    private uint _localCSeq;
    private uint _inviteCSeq;
    private byte[]? _ack;

    private Dialog(SipEngine engine, DialogRole role, string callId, string localTag, string? remoteTag, string localUri,
        string remoteUri, string remoteTarget, List<string> routeSet, SipPeer peer, string contactUser, IDialogOwner owner)
    {
        _engine = engine;
        Role = role;
        CallId = callId;
        LocalTag = localTag;
        RemoteTag = remoteTag;
        _localUri = localUri;
        _remoteUri = remoteUri;
        RemoteTarget = remoteTarget;
        _routeSet = routeSet;
        Peer = peer;
        Owner = owner;
        var local = engine.LocalFor(peer.Kind);
        LocalContact = $"<sip:{contactUser}@{Host(local)}{(peer.IsReliable ? ";transport=tcp" : string.Empty)}>";
    }

    public DialogRole Role { get; }

    public DialogState State { get; private set; }

    public string CallId { get; }

    public string LocalTag { get; }

    public string? RemoteTag { get; private set; }

    /// <summary>The key of the <see cref="DialogTable"/>: Call-ID, local tag, remote tag.</summary>
    public string Id => DialogTable.Key(CallId, LocalTag, RemoteTag);

    /// <summary>Where requests inside the dialog are addressed (the peer's last Contact).</summary>
    public string RemoteTarget { get; private set; }

    public IReadOnlyList<string> RouteSet => _routeSet;

    /// <summary>Where the dialog's messages are sent: the flow the peer used (UAS) or the address chosen for it (UAC).</summary>
    public SipPeer Peer { get; }

    /// <summary>Our Contact in this dialog, as a name-addr.</summary>
    public string LocalContact { get; }

    public IDialogOwner Owner { get; }

    /// <summary>The highest CSeq number received from the peer; 0 before the first request.</summary>
    public uint RemoteCSeq { get; private set; }

    /// <summary>The CSeq number of our last request.</summary>
    public uint LocalCSeq => _localCSeq;

    /// <summary>The peer's own identity (From of its INVITE, or To of ours), tag included once known.</summary>
    public string RemoteIdentity => RemoteTag is null ? _remoteUri : _remoteUri + ";tag=" + RemoteTag;

    /// <summary>
    /// The dialog an INVITE without To tag creates at a UAS. <paramref name="localTag"/> goes into every response to it;
    /// the dialog is early until <see cref="Confirm"/>. Put it in the <see cref="DialogTable"/> to receive requests.
    /// </summary>
    public static Dialog ForUas(SipEngine engine, ServerTransaction invite, string localTag, string contactUser, IDialogOwner owner)
    {
        var request = invite.Request;
        var from = request.Headers["From"] ?? string.Empty;
        NameAddress.TryParse(from, out var fromAddress);
        var target = NameAddress.TryParse(request.Headers["Contact"], out var c) ? c.Uri : fromAddress?.Uri ?? request.Uri;
        var dialog = new Dialog(engine, DialogRole.Uas, request.CallId!, localTag, request.FromTag, WithoutTag(request.Headers["To"]),
            WithoutTag(from), target, request.Headers.GetAll("Record-Route").SelectMany(SipHeaders.SplitList).ToList(), invite.Peer,
            contactUser, owner)
        {
            State = DialogState.Early,
            RemoteCSeq = request.CSeq?.Number ?? 0,
        };
        dialog._localCSeq = 1;
        return dialog;
    }

    /// <summary>
    /// A UAC dialog about to send its INVITE to <paramref name="requestUri"/> through <paramref name="peer"/>: From is
    /// <paramref name="fromUser"/> (shown as <paramref name="fromDisplay"/>) at our address, To is <paramref name="toUser"/>.
    /// It joins the table when the first response with a To tag arrives (<see cref="OnResponse"/>).
    /// </summary>
    public static Dialog ForUac(SipEngine engine, SipPeer peer, string requestUri, string fromUser, string? fromDisplay, string toUser,
        string contactUser, IDialogOwner owner)
    {
        var local = Host(engine.LocalFor(peer.Kind));
        var display = fromDisplay is null ? string.Empty : "\"" + fromDisplay.Replace("\"", string.Empty, StringComparison.Ordinal) + "\" ";
        var callId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)) + "@hotline";
        return new Dialog(engine, DialogRole.Uac, callId, SipEngine.NewTag(), null, $"{display}<sip:{fromUser}@{local}>",
            $"<sip:{toUser}@{local}>", requestUri, [], peer, contactUser, owner)
        {
            State = DialogState.Pending,
        };
    }

    /// <summary>
    /// A new request inside the dialog (or the INVITE that starts a UAC dialog): Request-URI, Via with a new branch,
    /// Max-Forwards, From/To with the tags, Call-ID, the next CSeq, the route set, and Contact where the method needs one.
    /// </summary>
    public SipRequest CreateRequest(string method)
    {
        uint cseq;
        lock (_gate)
        {
            cseq = ++_localCSeq;
            if (method == "INVITE")
            {
                _inviteCSeq = cseq;
            }
        }

        var request = NewRequest(method, cseq);
        if (method is "INVITE" or "UPDATE" or "NOTIFY" or "REFER" or "SUBSCRIBE")
        {
            request.Headers.Add("Contact", LocalContact); // target-refresh and subscription requests carry one (RFC 3261 §8.1.1.8)
        }

        return request;
    }

    /// <summary>The ACK for the 2xx to our INVITE (same CSeq number, RFC 3261 §13.2.2.4); kept to answer its retransmissions.</summary>
    public SipRequest CreateAck()
    {
        uint cseq;
        lock (_gate)
        {
            cseq = _inviteCSeq == 0 ? _localCSeq : _inviteCSeq;
        }

        return NewRequest("ACK", cseq);
    }

    /// <summary>Sends the ACK for a 2xx: through the INVITE's transaction while it lives, on its own after; kept for resends.</summary>
    public void Acknowledge(ClientTransaction? invite)
    {
        var ack = CreateAck();
        var bytes = ack.ToBytes();
        lock (_gate)
        {
            _ack = bytes;
        }

        if (invite is not null)
        {
            _engine.Transactions.Acknowledge(invite, ack);
        }
        else
        {
            _engine.Send(bytes, Peer);
        }
    }

    /// <summary>A retransmitted 2xx arrived after the INVITE transaction ended: the last ACK again (false if none was sent).</summary>
    public bool ResendAck()
    {
        byte[]? ack;
        lock (_gate)
        {
            ack = _ack;
        }

        if (ack is null)
        {
            return false;
        }

        _engine.Send(ack, Peer);
        return true;
    }

    /// <summary>Sends a request built by <see cref="CreateRequest"/> in a new client transaction to the dialog's peer.</summary>
    public ClientTransaction Send(SipRequest request) => _engine.Transactions.Send(request, Peer);

    /// <summary>
    /// A response of the INVITE that created this UAS dialog, with our tag; 18x and 2xx carry our Contact (the 183 of the
    /// IVR's early media leaves it out, as it always did: nothing targets the early dialog).
    /// </summary>
    public SipResponse CreateResponse(ServerTransaction transaction, int status, string? reason = null)
    {
        var response = transaction.Request.CreateResponse(status, reason, LocalTag);
        if (transaction.IsInvite && status is >= 200 and < 300)
        {
            response.Headers.Add("Contact", LocalContact);
        }

        return response;
    }

    /// <summary>The peer's 2xx to its INVITE was sent (UAS) or its 2xx arrived (UAC): the dialog is confirmed.</summary>
    public void Confirm() => State = DialogState.Confirmed;

    /// <summary>
    /// A response to our INVITE (UAC): the first with a To tag fixes the remote tag and puts the dialog in the table
    /// (early, or confirmed for a 2xx); every 1xx/2xx with Contact refreshes the remote target, and the route set is the
    /// Record-Route reversed (RFC 3261 §12.1.2). False when the response belongs to another fork (a different tag).
    /// </summary>
    public bool OnResponse(SipResponse response)
    {
        if (Role != DialogRole.Uac || response.StatusCode <= 100 || response.StatusCode >= 300 || response.ToTag is not { } tag)
        {
            return true;
        }

        if (RemoteTag is not null && RemoteTag != tag)
        {
            return false;
        }

        if (NameAddress.TryParse(response.Headers["Contact"], out var contact))
        {
            RemoteTarget = contact.Uri;
        }

        if (RemoteTag is null)
        {
            RemoteTag = tag;
            var routes = response.Headers.GetAll("Record-Route").SelectMany(SipHeaders.SplitList).ToList();
            routes.Reverse();
            _routeSet = routes;
            if (State == DialogState.Terminated)
            {
                return true; // given up before the peer answered: the tag serves the ACK and BYE, nothing is routed here
            }

            State = response.StatusCode >= 200 ? DialogState.Confirmed : DialogState.Early;
            _engine.Dialogs.Add(this);
        }
        else if (response.StatusCode >= 200 && State != DialogState.Terminated)
        {
            State = DialogState.Confirmed;
        }

        return true;
    }

    /// <summary>
    /// Checks a request from the peer against the remote CSeq (RFC 3261 §12.2.2): lower than the last is out of order
    /// (answered 500 by the engine); a re-INVITE or UPDATE with Contact refreshes the remote target.
    /// </summary>
    public bool AcceptRequest(SipRequest request)
    {
        if (request.CSeq is not { } cseq)
        {
            return false;
        }

        lock (_gate)
        {
            if (RemoteCSeq != 0 && cseq.Number < RemoteCSeq)
            {
                return false;
            }

            RemoteCSeq = cseq.Number;
        }

        if (request.Method is "INVITE" or "UPDATE" && NameAddress.TryParse(request.Headers["Contact"], out var contact))
        {
            RemoteTarget = contact.Uri;
        }

        return true;
    }

    /// <summary>The dialog is over: it stays findable for <paramref name="linger"/> (BYE glare, late ACK), then leaves the table.</summary>
    public void Terminate(TimeSpan linger)
    {
        State = DialogState.Terminated;
        if (linger <= TimeSpan.Zero)
        {
            _engine.Dialogs.Remove(this);
            return;
        }

        _engine.Wheel.Schedule(linger, () => _engine.Dialogs.Remove(this));
    }

    private SipRequest NewRequest(string method, uint cseq)
    {
        var local = _engine.LocalFor(Peer.Kind);
        var loose = _routeSet.Count == 0 || _routeSet[0].Contains(";lr", StringComparison.OrdinalIgnoreCase);
        var request = new SipRequest { Method = method, Uri = loose ? RemoteTarget : UriOf(_routeSet[0]) };
        request.Headers.Add("Via", $"SIP/2.0/{Peer.ViaProtocol} {Host(local)};branch={SipEngine.NewBranch()};rport");
        request.Headers.Add("Max-Forwards", "70");
        foreach (var route in loose ? _routeSet : _routeSet.Skip(1).Append($"<{RemoteTarget}>"))
        {
            request.Headers.Add("Route", route);
        }

        request.Headers.Add("From", _localUri + ";tag=" + LocalTag);
        request.Headers.Add("To", RemoteTag is null ? _remoteUri : _remoteUri + ";tag=" + RemoteTag);
        request.Headers.Add("Call-ID", CallId);
        request.Headers.Add("CSeq", string.Create(CultureInfo.InvariantCulture, $"{cseq} {method}"));
        return request;
    }

    private static string UriOf(string nameAddress) => NameAddress.TryParse(nameAddress, out var a) ? a.Uri : nameAddress;

    /// <summary>A From/To value without its tag parameter (other parameters kept).</summary>
    private static string WithoutTag(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var gt = value.LastIndexOf('>');
        var start = value.IndexOf(";tag=", gt < 0 ? 0 : gt, StringComparison.OrdinalIgnoreCase);
        if (start < 0)
        {
            return value;
        }

        var end = value.IndexOf(';', start + 1);
        return end < 0 ? value[..start] : value[..start] + value[end..];
    }

    private static string Host(IPEndPoint local) => local.ToString();
}
