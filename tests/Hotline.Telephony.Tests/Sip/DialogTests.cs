using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hotline.Telephony.Sip;
using Hotline.Telephony.Sip.Dialogs;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotline.Telephony.Tests.Sip;

/// <summary>The dialog layer on a real engine (loopback, free port): identity, both CSeq counters, route set, routing.</summary>
public sealed class DialogTests : IAsyncLifetime
{
    private readonly SipEngine _engine = new(new SipOptions { Udp = "127.0.0.1:0", Tcp = string.Empty }, NullLoggerFactory.Instance);
    private readonly UdpClient _peer = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Owner _owner = new();

    private SipPeer Peer => new(SipTransportKind.Udp, (IPEndPoint)_peer.Client.LocalEndPoint!);

    public Task InitializeAsync() => _engine.StartAsync();

    public async Task DisposeAsync()
    {
        await _engine.StopAsync();
        _peer.Dispose();
    }

    private SipRequest Parse(string text) =>
        (SipRequest)SipParser.Parse(Encoding.ASCII.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal))).Message!;

    private ServerTransaction Invite(string callId = "c1@phone", string cseq = "10")
    {
        var invite = Parse($"""
            INVITE sip:12328@127.0.0.1 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:{Peer.Remote.Port};branch=z9hG4bK-{callId}
            Record-Route: <sip:proxy1;lr>, <sip:proxy2;lr>
            From: "13800138000" <sip:13800138000@127.0.0.1>;tag=caller
            To: <sip:12328@127.0.0.1>
            Call-ID: {callId}
            CSeq: {cseq} INVITE
            Contact: <sip:13800138000@127.0.0.1:{Peer.Remote.Port}>
            Content-Length: 0


            """);
        Assert.Equal(RequestDisposition.NewTransaction, _engine.Transactions.OnRequest(invite, Peer, out var t));
        return t!;
    }

    [Fact]
    public void A_uas_dialog_builds_requests_from_the_invite_it_answered()
    {
        var dialog = Dialog.ForUas(_engine, Invite(), "hot", "12328", _owner);
        var bye = dialog.CreateRequest("BYE");
        Assert.Equal("sip:13800138000@127.0.0.1:" + Peer.Remote.Port, bye.Uri); // the remote target: the caller's Contact
        Assert.Equal("<sip:12328@127.0.0.1>;tag=hot", bye.Headers["From"]);
        Assert.Equal("\"13800138000\" <sip:13800138000@127.0.0.1>;tag=caller", bye.Headers["To"]);
        Assert.Equal("c1@phone", bye.CallId);
        Assert.Equal(new SipCSeq(2, "BYE"), bye.CSeq);
        Assert.Equal(["<sip:proxy1;lr>", "<sip:proxy2;lr>"], bye.Headers.GetAll("Route")); // UAS: Record-Route in order
        Assert.StartsWith(SipVia.MagicCookie, bye.TopVia!.Branch, StringComparison.Ordinal);
        Assert.Null(bye.Headers["Contact"]);
        var info = dialog.CreateRequest("INFO");
        Assert.Equal(new SipCSeq(3, "INFO"), info.CSeq);
        Assert.NotEqual(bye.TopVia.Branch, info.TopVia!.Branch);
        Assert.Equal("<sip:12328@" + _engine.UdpEndPoint + ">", dialog.CreateRequest("INVITE").Headers["Contact"]);
    }

    [Fact]
    public void A_uas_dialog_tags_its_responses_and_puts_its_contact_in_the_2xx()
    {
        var t = Invite();
        var dialog = Dialog.ForUas(_engine, t, "hot", "12328", _owner);
        var ringing = dialog.CreateResponse(t, 180);
        Assert.Equal("hot", ringing.ToTag);
        Assert.Null(ringing.Headers["Contact"]);
        var ok = dialog.CreateResponse(t, 200);
        Assert.Equal("hot", ok.ToTag);
        Assert.Equal(dialog.LocalContact, ok.Headers["Contact"]);
        Assert.Equal(DialogState.Early, dialog.State);
        dialog.Confirm();
        Assert.Equal(DialogState.Confirmed, dialog.State);
    }

    [Fact]
    public void A_uas_dialog_refuses_a_request_whose_cseq_went_back()
    {
        var dialog = Dialog.ForUas(_engine, Invite(cseq: "10"), "hot", "12328", _owner);
        Assert.Equal(10u, dialog.RemoteCSeq);
        Assert.True(dialog.AcceptRequest(InDialog("INFO", 11)));
        Assert.False(dialog.AcceptRequest(InDialog("INFO", 9)));
        Assert.Equal(11u, dialog.RemoteCSeq);
    }

    [Fact]
    public void A_uac_dialog_learns_tag_target_and_reversed_route_set_from_the_answer()
    {
        var dialog = Dialog.ForUac(_engine, Peer, "sip:8001@127.0.0.1:5999", "13800138000", "13800138000", "8001", "12328", _owner);
        var invite = dialog.CreateRequest("INVITE");
        Assert.Equal(new SipCSeq(1, "INVITE"), invite.CSeq);
        Assert.Null(invite.ToTag);
        Assert.Equal(dialog.LocalTag, invite.FromTag);
        Assert.NotNull(invite.Headers["Contact"]);
        Assert.Equal(DialogState.Pending, dialog.State);
        Assert.Null(_engine.Dialogs.ForResponse(Answer(invite, 180, "phone")));

        var ringing = Answer(invite, 180, "phone", "<sip:8001@10.0.0.5:5070>");
        ringing.Headers.Add("Record-Route", "<sip:a;lr>, <sip:b;lr>");
        Assert.True(dialog.OnResponse(ringing));
        Assert.Equal(DialogState.Early, dialog.State);
        Assert.Same(dialog, _engine.Dialogs.ForResponse(ringing));
        Assert.Equal("sip:8001@10.0.0.5:5070", dialog.RemoteTarget);
        Assert.Equal(["<sip:b;lr>", "<sip:a;lr>"], dialog.RouteSet);
        Assert.False(dialog.OnResponse(Answer(invite, 180, "another-fork")));

        Assert.True(dialog.OnResponse(Answer(invite, 200, "phone", "<sip:8001@10.0.0.5:5080>")));
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal("sip:8001@10.0.0.5:5080", dialog.RemoteTarget);
        var ack = dialog.CreateAck();
        Assert.Equal(new SipCSeq(1, "ACK"), ack.CSeq); // the INVITE's number
        Assert.Equal("phone", ack.ToTag);
        var bye = dialog.CreateRequest("BYE");
        Assert.Equal(new SipCSeq(2, "BYE"), bye.CSeq);
        Assert.Equal(["<sip:b;lr>", "<sip:a;lr>"], bye.Headers.GetAll("Route"));
        Assert.Equal(invite.CallId, bye.CallId);
        dialog.Terminate(TimeSpan.Zero);
        Assert.Null(_engine.Dialogs.ForResponse(ringing));
    }

    [Fact]
    public async Task The_engine_hands_in_dialog_requests_to_the_owner_and_refuses_the_rest()
    {
        var dialog = Dialog.ForUas(_engine, Invite(cseq: "10"), "hot", "12328", _owner);
        _engine.Dialogs.Add(dialog);

        await SendAsync(InDialog("INFO", 11));
        var (owned, request) = await _owner.NextAsync();
        Assert.Same(dialog, owned);
        Assert.Equal("INFO", request.Request.Method);
        request.SendResponse(request.Request.CreateResponse(200));
        Assert.Equal(200, (await ReceiveAsync()).StatusCode);

        await SendAsync(InDialog("INFO", 5));
        var stale = await ReceiveAsync();
        Assert.Equal(500, stale.StatusCode);

        await SendAsync(InDialog("BYE", 12, toTag: "not-ours"));
        Assert.Equal(481, (await ReceiveAsync()).StatusCode);
        Assert.Equal(0, _owner.Requests.Reader.Count);
    }

    private SipRequest InDialog(string method, int cseq, string toTag = "hot") => Parse($"""
        {method} sip:12328@127.0.0.1 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:{Peer.Remote.Port};branch=z9hG4bK-{method}-{cseq}-{toTag}
        From: "13800138000" <sip:13800138000@127.0.0.1>;tag=caller
        To: <sip:12328@127.0.0.1>;tag={toTag}
        Call-ID: c1@phone
        CSeq: {cseq} {method}
        Max-Forwards: 70
        Content-Length: 0


        """);

    private static SipResponse Answer(SipRequest invite, int status, string tag, string? contact = null)
    {
        var r = invite.CreateResponse(status, toTag: tag);
        if (contact is not null)
        {
            r.Headers.Add("Contact", contact);
        }

        return r;
    }

    private async Task SendAsync(SipRequest request) => await _peer.SendAsync(request.ToBytes(), _engine.UdpEndPoint);

    private async Task<SipResponse> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var datagram = await _peer.ReceiveAsync(cts.Token);
            if (SipParser.Parse(datagram.Buffer).Message is SipResponse { StatusCode: >= 200 } response)
            {
                return response;
            }
        }
    }

    private sealed class Owner : IDialogOwner
    {
        public System.Threading.Channels.Channel<(Dialog, ServerTransaction)> Requests { get; } =
            System.Threading.Channels.Channel.CreateUnbounded<(Dialog, ServerTransaction)>();

        public ConcurrentQueue<SipRequest> Acks { get; } = new();

        public async Task<(Dialog, ServerTransaction)> NextAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await Requests.Reader.ReadAsync(cts.Token);
        }

        public void OnRequest(Dialog dialog, ServerTransaction transaction) => Requests.Writer.TryWrite((dialog, transaction));

        public void OnAck(Dialog dialog, SipRequest ack) => Acks.Enqueue(ack);
    }
}
