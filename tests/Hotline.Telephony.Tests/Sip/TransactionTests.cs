using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.Sip;

public sealed class TransactionTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly RecordingSender _sender = new();
    private readonly TimerWheel _wheel;
    private readonly TransactionLayer _layer;
    private static readonly SipPeer Udp = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5999));
    private static readonly SipPeer Tcp = new(SipTransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, 5999));

    public TransactionTests()
    {
        _wheel = new TimerWheel(_clock);
        _layer = new TransactionLayer(_sender, _wheel);
    }

    public void Dispose() => _wheel.Dispose();

    private void Advance(TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromMilliseconds(10))
        {
            _clock.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private static SipRequest Request(string method, string branch = "z9hG4bK-test")
    {
        var text = $"{method} sip:8001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch={branch}\r\nFrom: <sip:a@x>;tag=f\r\n"
                   + $"To: <sip:8001@x>\r\nCall-ID: call-1\r\nCSeq: 7 {method}\r\nContent-Length: 0\r\n\r\n";
        return (SipRequest)SipParser.Parse(Encoding.ASCII.GetBytes(text)).Message!;
    }

    private static SipResponse Response(SipRequest request, int status) => request.CreateResponse(status, toTag: "to1");

    [Fact]
    public async Task Non_invite_client_retransmits_with_timer_E_and_times_out_with_timer_F()
    {
        var t = _layer.Send(Request("OPTIONS"), Udp);
        Assert.Equal(1, _sender.Count("OPTIONS"));
        Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, _sender.Count("OPTIONS"));
        Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(3, _sender.Count("OPTIONS"));
        Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, _sender.Count("OPTIONS"));
        Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(5, _sender.Count("OPTIONS")); // capped at T2
        Advance(TimeSpan.FromSeconds(25));
        var final = await t.FinalResponse.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(408, final.StatusCode);
        Assert.Equal(0, _layer.ClientCount);
    }

    [Fact]
    public void Reliable_transport_does_not_retransmit()
    {
        _layer.Send(Request("OPTIONS"), Tcp);
        Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, _sender.Count("OPTIONS"));
    }

    [Fact]
    public async Task Invite_client_stops_on_provisional_and_acks_failure_in_transaction()
    {
        var invite = Request("INVITE");
        var t = _layer.Send(invite, Udp);
        Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, _sender.Count("INVITE"));
        _layer.OnResponse(Response(invite, 180));
        Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, _sender.Count("INVITE"));

        Assert.True(_layer.OnResponse(Response(invite, 486)));
        Assert.Equal(486, (await t.FinalResponse.WaitAsync(TimeSpan.FromSeconds(1))).StatusCode);
        var ack = Assert.IsType<SipRequest>(_sender.Sent.Last());
        Assert.Equal("ACK", ack.Method);
        Assert.Equal("z9hG4bK-test", ack.TopVia!.Branch);
        Assert.Equal("to1", ack.ToTag);

        _layer.OnResponse(Response(invite, 486)); // retransmitted final → ACK again, TU not told twice
        Assert.Equal(2, _sender.Count("ACK"));
        Advance(TimeSpan.FromSeconds(33)); // timer D
        Assert.Equal(0, _layer.ClientCount);
    }

    [Fact]
    public async Task Invite_client_timer_B_gives_408()
    {
        var t = _layer.Send(Request("INVITE"), Udp);
        Advance(TimeSpan.FromSeconds(33));
        Assert.True(t.FinalResponse.IsCompleted);
        Assert.Equal(408, (await t.FinalResponse).StatusCode);
        Assert.Equal(7, _sender.Count("INVITE")); // 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s
    }

    [Fact]
    public void Invite_server_sends_100_absorbs_retransmissions_and_retransmits_final_until_ack()
    {
        var invite = Request("INVITE");
        Assert.Equal(RequestDisposition.NewTransaction, _layer.OnRequest(invite, Udp, out var t));
        Assert.Equal(100, ((SipResponse)_sender.Sent.Single()).StatusCode);
        Assert.Equal(RequestDisposition.Absorbed, _layer.OnRequest(Request("INVITE"), Udp, out _));
        Assert.Equal(2, _sender.Sent.Count); // 100 again

        t!.SendResponse(Response(invite, 486));
        Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, _sender.Responses(486)); // timer G
        Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(3, _sender.Responses(486));

        Assert.Equal(RequestDisposition.Absorbed, _layer.OnRequest(Request("ACK"), Udp, out _));
        Assert.Equal(TransactionState.Confirmed, t.State);
        Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(3, _sender.Responses(486));
        Assert.Equal(0, _layer.ServerCount); // timer I terminated it
    }

    [Fact]
    public void Invite_server_timer_H_reports_missing_ack()
    {
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var t);
        var timedOut = false;
        t!.AckTimeout += _ => timedOut = true;
        t.SendResponse(Response(invite, 404));
        Advance(TimeSpan.FromSeconds(33));
        Assert.True(timedOut);
        Assert.Equal(TransactionState.Terminated, t.State);
    }

    [Fact]
    public void Invite_server_2xx_is_retransmitted_until_the_dialog_ack()
    {
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var t);
        t!.SendResponse(Response(invite, 200));
        Advance(TimeSpan.FromMilliseconds(1600));
        Assert.Equal(3, _sender.Responses(200));
        Assert.Equal(RequestDisposition.AckForDialog, _layer.OnRequest(Request("ACK", "z9hG4bK-other"), Udp, out _));
        Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, _sender.Responses(200));
    }

    [Fact]
    public void Non_invite_server_answers_retransmissions_from_completed_then_forgets_after_timer_J()
    {
        var bye = Request("BYE");
        _layer.OnRequest(bye, Udp, out var t);
        t!.SendResponse(Response(bye, 200));
        _layer.OnRequest(Request("BYE"), Udp, out _);
        Assert.Equal(2, _sender.Responses(200));
        Advance(TimeSpan.FromSeconds(33));
        Assert.Equal(0, _layer.ServerCount);
        Assert.Equal(0, _layer.CompletedCount);
    }

    [Fact]
    public void Cancel_matches_the_invite_and_is_its_own_transaction()
    {
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var it);
        Assert.Equal(RequestDisposition.NewTransaction, _layer.OnRequest(Request("CANCEL"), Udp, out var ct));
        Assert.NotSame(it, ct);
        Assert.Same(it, _layer.FindInviteFor(ct!.Request));
    }

    [Fact]
    public void Retransmitted_invite_gets_the_byte_identical_cached_response()
    {
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var t);
        var ringing = Response(invite, 180);
        t!.SendResponse(ringing);
        var first = _sender.Raw.Last();
        ringing.Headers.Add("X-Changed-After-Sending", "1"); // the cache holds the bytes as sent, not the object

        Assert.Equal(RequestDisposition.Absorbed, _layer.OnRequest(Request("INVITE"), Udp, out _));
        Assert.Same(first, _sender.Raw.Last());
        Assert.Equal(first, _sender.Raw.Last());
        Assert.DoesNotContain("X-Changed", Encoding.ASCII.GetString(_sender.Raw.Last()), StringComparison.Ordinal);
    }

    [Fact]
    public void Retransmitted_bye_after_the_transaction_finished_is_answered_from_the_completed_entry()
    {
        var bye = Request("BYE");
        _layer.OnRequest(bye, Udp, out var t);
        t!.SendResponse(Response(bye, 200));
        var sent = _sender.Raw.Last();
        Assert.Equal(0, _layer.ServerCount); // the live transaction (parsed request, events) is gone at once
        Assert.Equal(1, _layer.CompletedCount);

        Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(RequestDisposition.Absorbed, _layer.OnRequest(Request("BYE"), Udp, out var again));
        Assert.Null(again);
        Assert.Equal(sent, _sender.Raw.Last()); // the same bytes, kept outside the GC heap
        Assert.Equal(2, _sender.Responses(200));

        Advance(TimeSpan.FromSeconds(13)); // past timer J: a new BYE is a new transaction
        Assert.Equal(0, _layer.CompletedCount);
        Assert.Equal(RequestDisposition.NewTransaction, _layer.OnRequest(Request("BYE"), Udp, out _));
    }

    [Fact]
    public void Invite_retransmitted_after_the_dialog_ack_is_absorbed_not_a_new_call()
    {
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var t);
        t!.SendResponse(Response(invite, 200));
        Assert.Equal(RequestDisposition.AckForDialog, _layer.OnRequest(Request("ACK", "z9hG4bK-other"), Udp, out _));
        Assert.Equal(TransactionState.Terminated, t.State);
        Assert.Equal(0, _layer.ServerCount);
        Assert.Equal(RequestDisposition.Absorbed, _layer.OnRequest(Request("INVITE"), Udp, out _));
        Advance(TimeSpan.FromSeconds(33)); // timer L
        Assert.Equal(0, _layer.CompletedCount);
    }

    [Fact]
    public void Retransmitted_2xx_after_the_tu_acknowledged_gets_the_same_ack_without_the_tu()
    {
        var invite = Request("INVITE");
        var t = _layer.Send(invite, Udp);
        var told = 0;
        t.ResponseReceived += (_, _) => told++;
        var ok = Response(invite, 200);
        _layer.OnResponse(ok);
        Assert.Equal(1, told);
        Assert.Equal(TransactionState.Accepted, t.State);

        var ack = new SipRequest { Method = "ACK", Uri = "sip:8001@127.0.0.1" };
        ack.Headers.Add("Via", "SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-ack");
        ack.Headers.Add("From", "<sip:a@x>;tag=f");
        ack.Headers.Add("To", "<sip:8001@x>;tag=to1");
        ack.Headers.Add("Call-ID", "call-1");
        ack.Headers.Add("CSeq", "7 ACK");
        _layer.Acknowledge(t, ack);
        var sentAck = _sender.Raw.Last();
        Assert.Equal(0, _layer.ClientCount);
        Assert.Equal(1, _layer.CompletedCount);

        Assert.True(_layer.OnResponse(Response(invite, 200)));
        Assert.Equal(1, told); // the TU (and the call behind it) is not needed for this
        Assert.Equal(sentAck, _sender.Raw.Last());
        Assert.Equal(2, _sender.Count("ACK"));
        Advance(TimeSpan.FromSeconds(33)); // timer M
        Assert.Equal(0, _layer.CompletedCount);
        Assert.False(_layer.OnResponse(Response(invite, 200))); // now a stray, left to the TU
    }

    [Fact]
    public void Ack_arriving_while_the_2xx_is_being_sent_stops_the_2xx_retransmissions()
    {
        // The peer's ACK is delivered from inside the send of the 200 (as another receive thread can at once): the
        // transaction must already be matchable then, or it resends the 200 until timer L and holds the call for 32 s.
        var invite = Request("INVITE");
        _layer.OnRequest(invite, Udp, out var t);
        _sender.OnSent = sent =>
        {
            if (sent is SipResponse { StatusCode: 200 })
            {
                _sender.OnSent = null;
                Assert.Equal(RequestDisposition.AckForDialog, _layer.OnRequest(Request("ACK", "z9hG4bK-ack"), Udp, out _));
            }
        };
        var acknowledged = 0;
        t!.Acknowledged += (_, _) => acknowledged++;
        t.SendResponse(Response(invite, 200));

        Assert.Equal(1, acknowledged);
        Assert.Equal(TransactionState.Terminated, t.State);
        Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, _sender.Responses(200)); // no retransmission of the acknowledged 2xx
    }

    [Fact]
    public void Cancelled_timer_releases_its_callback_state_at_once()
    {
        var fired = new StrongBox<bool>();
        var (handle, weak) = ScheduleWithState(fired);
        handle.Cancel();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive); // the wheel still holds the entry until its slot comes round, but not the state
        Advance(TimeSpan.FromSeconds(31));
        Assert.False(fired.Value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private (TimerHandle Handle, WeakReference State) ScheduleWithState(StrongBox<bool> fired)
    {
        var state = new byte[1024];
        return (_wheel.Schedule(TimeSpan.FromSeconds(30), _ => fired.Value = true, state), new WeakReference(state));
    }

    private sealed class RecordingSender : ISipSender
    {
        private readonly Lock _gate = new();
        public List<SipMessage> Sent { get; } = [];
        public List<byte[]> Raw { get; } = [];

        /// <summary>Runs after each send, on the sending thread (inside the transaction's lock).</summary>
        public Action<SipMessage>? OnSent { get; set; }

        public void Send(byte[] message, SipPeer peer)
        {
            var parsed = SipParser.Parse(message).Message!;
            lock (_gate)
            {
                Raw.Add(message);
                Sent.Add(parsed);
            }

            OnSent?.Invoke(parsed);
        }

        public int Count(string method)
        {
            lock (_gate)
            {
                return Sent.OfType<SipRequest>().Count(r => r.Method == method);
            }
        }

        public int Responses(int status)
        {
            lock (_gate)
            {
                return Sent.OfType<SipResponse>().Count(r => r.StatusCode == status);
            }
        }
    }
}
