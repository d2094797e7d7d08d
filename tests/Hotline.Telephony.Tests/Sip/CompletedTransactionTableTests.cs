using System.Net;
using System.Text;
using Hotline.Telephony.Sip.Transactions;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.Sip;

public sealed class CompletedTransactionTableTests
{
    private readonly FakeTimeProvider _clock = new();
    private static readonly SipPeer Peer = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5070));

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void Finds_the_bytes_and_peer_until_the_deadline()
    {
        var table = new CompletedTransactionTable(_clock);
        table.Add("z9hG4bK-1|BYE", Bytes("SIP/2.0 200 OK\r\n"), hasResend: true, Peer, absorbsAck: false, TimeSpan.FromSeconds(32));

        Assert.True(table.TryFind("z9hG4bK-1|BYE", wantResend: true, out var found));
        Assert.Equal("SIP/2.0 200 OK\r\n", Encoding.ASCII.GetString(found.Resend!));
        Assert.Equal(Peer, found.Peer);
        Assert.False(table.TryFind("z9hG4bK-1|INVITE", wantResend: true, out _));
        Assert.False(table.TryFind("z9hG4bK-2|BYE", wantResend: true, out _));

        _clock.Advance(TimeSpan.FromSeconds(31.9));
        Assert.True(table.TryFind("z9hG4bK-1|BYE", wantResend: false, out var flagsOnly));
        Assert.Null(flagsOnly.Resend); // nothing copied when only the flags are asked for
        _clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(table.TryFind("z9hG4bK-1|BYE", wantResend: true, out _));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void An_entry_without_bytes_only_absorbs_and_keeps_its_ack_flag()
    {
        var table = new CompletedTransactionTable(_clock);
        table.Add("b|INVITE", [], hasResend: false, Peer, absorbsAck: true, TimeSpan.FromSeconds(5));

        Assert.True(table.TryFind("b|INVITE", wantResend: true, out var found));
        Assert.Null(found.Resend);
        Assert.True(found.AbsorbsAck);
    }

    [Fact]
    public void A_short_deadline_behind_a_long_one_ends_on_time()
    {
        var table = new CompletedTransactionTable(_clock);
        table.Add("long|INVITE", Bytes("ACK"), hasResend: true, Peer, absorbsAck: false, TimeSpan.FromSeconds(32));
        table.Add("short|BYE", Bytes("ACK"), hasResend: true, Peer, absorbsAck: false, TimeSpan.FromSeconds(5));

        _clock.Advance(TimeSpan.FromSeconds(6));
        Assert.False(table.TryFind("short|BYE", wantResend: true, out _));
        Assert.True(table.TryFind("long|INVITE", wantResend: true, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Adding_a_key_again_replaces_its_entry()
    {
        var table = new CompletedTransactionTable(_clock);
        table.Add("k|BYE", Bytes("first"), hasResend: true, Peer, absorbsAck: false, TimeSpan.FromSeconds(32));
        table.Add("k|BYE", Bytes("second"), hasResend: true, Peer, absorbsAck: false, TimeSpan.FromSeconds(32));

        Assert.True(table.TryFind("k|BYE", wantResend: true, out var found));
        Assert.Equal("second", Encoding.ASCII.GetString(found.Resend!));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Grows_past_its_first_size_and_keeps_every_entry_and_byte()
    {
        var table = new CompletedTransactionTable(_clock);
        const int n = 20_000; // well past the first 1,024 entries and 64 KiB of bytes
        for (var i = 0; i < n; i++)
        {
            table.Add($"z9hG4bK{i:x8}|BYE", Bytes($"SIP/2.0 200 OK\r\nCSeq: {i} BYE\r\n"), hasResend: true, Peer, false,
                TimeSpan.FromSeconds(32));
            if (i % 1000 == 0)
            {
                _clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        Assert.Equal(n, table.Count);
        Assert.Equal(0, table.Evicted);
        for (var i = 0; i < n; i += 97)
        {
            Assert.True(table.TryFind($"z9hG4bK{i:x8}|BYE", wantResend: true, out var found), $"entry {i}");
            Assert.Equal($"SIP/2.0 200 OK\r\nCSeq: {i} BYE\r\n", Encoding.ASCII.GetString(found.Resend!));
        }
    }

    [Fact]
    public void Expired_entries_make_room_so_a_steady_rate_does_not_grow_the_table()
    {
        var table = new CompletedTransactionTable(_clock);
        for (var second = 0; second < 40; second++)
        {
            for (var i = 0; i < 500; i++)
            {
                table.Add($"s{second}-{i}|BYE", new byte[400], hasResend: true, Peer, false, TimeSpan.FromSeconds(5));
            }

            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var size = table.CapacityBytes;
        for (var second = 40; second < 80; second++)
        {
            for (var i = 0; i < 500; i++)
            {
                table.Add($"s{second}-{i}|BYE", new byte[400], hasResend: true, Peer, false, TimeSpan.FromSeconds(5));
            }

            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(size, table.CapacityBytes);
        Assert.InRange(table.Count, 2_000, 2_500);
        Assert.Equal(0, table.Evicted);
    }

    [Fact]
    public void At_its_limit_the_oldest_entries_go_early_and_are_counted()
    {
        var table = new CompletedTransactionTable(_clock, maxEntries: 1024, maxDataBytes: 64 * 1024);
        for (var i = 0; i < 3000; i++)
        {
            table.Add($"k{i}|BYE", new byte[100], hasResend: true, Peer, false, TimeSpan.FromSeconds(32));
        }

        Assert.True(table.Evicted > 0);
        Assert.False(table.TryFind("k0|BYE", wantResend: false, out _));
        Assert.True(table.TryFind("k2999|BYE", wantResend: true, out var newest));
        Assert.Equal(100, newest.Resend!.Length);
    }

    [Fact]
    public void An_ipv6_peer_comes_back_whole()
    {
        var table = new CompletedTransactionTable(_clock);
        var peer = new SipPeer(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("2001:db8::5"), 5062));
        table.Add("v6|BYE", Bytes("x"), hasResend: true, peer, false, TimeSpan.FromSeconds(1));

        Assert.True(table.TryFind("v6|BYE", wantResend: true, out var found));
        Assert.Equal(peer, found.Peer);
    }
}
