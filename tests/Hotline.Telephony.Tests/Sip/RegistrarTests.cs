using System.Net;
using System.Text;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Registrar;
using Hotline.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.Sip;

/// <summary>The location service: several bindings per extension, each with its expiry, reached where the rules say.</summary>
public sealed class RegistrarTests
{
    private readonly FakeTimeProvider _clock = new();
    private static readonly SipPeer Phone = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 40000));

    private static SipRequest Register(string expires, params string[] contacts)
    {
        var text = new StringBuilder("REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-r\r\n"
            + "From: <sip:8001@127.0.0.1>;tag=a\r\nTo: <sip:8001@127.0.0.1>\r\nCall-ID: reg-1\r\nCSeq: 2 REGISTER\r\n");
        foreach (var c in contacts)
        {
            text.Append("Contact: ").Append(c).Append("\r\n");
        }

        text.Append("Expires: ").Append(expires).Append("\r\nContent-Length: 0\r\n\r\n");
        return (SipRequest)SipParser.Parse(Encoding.ASCII.GetBytes(text.ToString())).Message!;
    }

    [Fact]
    public void Two_phones_keep_two_bindings_each_listed_in_the_200_and_removed_one_by_one()
    {
        var registrar = new Registrar(_clock);
        var changes = new List<(string Contact, bool Added)>();
        registrar.Changed += (r, added) => changes.Add((r.Contact, added));
        registrar.Apply(Register("300", "<sip:8001@127.0.0.1:40000>"), Phone, "8001", "t");
        var ok = registrar.Apply(Register("600", "<sip:8001@127.0.0.1:40002>"), Phone with { Remote = new(IPAddress.Loopback, 40002) }, "8001", "t");
        Assert.Equal(2, registrar.FindAll("8001").Count);
        Assert.Equal(2, ok.Headers.GetAll("Contact").Count);
        Assert.Equal("sip:8001@127.0.0.1:40002", registrar.Find("8001")!.Contact); // the longest-lived first

        _clock.Advance(TimeSpan.FromSeconds(301)); // the first binding expires on its own
        Assert.Equal(["sip:8001@127.0.0.1:40002"], registrar.FindAll("8001").Select(r => r.Contact));

        registrar.Apply(Register("0", "<sip:8001@127.0.0.1:40002>"), Phone, "8001", "t");
        Assert.Empty(registrar.FindAll("8001"));
        Assert.Equal(("sip:8001@127.0.0.1:40002", false), changes[^1]);
    }

    [Fact]
    public void A_star_removes_every_binding_and_a_refresh_replaces_rather_than_adds()
    {
        var registrar = new Registrar(_clock);
        registrar.Apply(Register("300", "<sip:8001@127.0.0.1:40000>", "<sip:8001@127.0.0.1:40004>"), Phone, "8001", "t");
        registrar.Apply(Register("300", "<sip:8001@127.0.0.1:40000>"), Phone, "8001", "t");
        Assert.Equal(2, registrar.FindAll("8001").Count);
        registrar.Apply(Register("0", "*"), Phone, "8001", "t");
        Assert.Equal(0, registrar.Count);
    }

    [Theory]
    [InlineData("sip:8001@127.0.0.1:40010", "udp", "127.0.0.1:40000", "127.0.0.1:40010")] // registered by a third party: its contact
    [InlineData("sip:8001@127.0.0.1:40010", "tcp", "127.0.0.1:40000", "127.0.0.1:40000")] // a TCP flow: the connection
    [InlineData("sip:8001@127.0.0.1:40010;ob", "udp", "127.0.0.1:40000", "127.0.0.1:40000")] // RFC 5626 outbound
    [InlineData("sip:8001@192.168.1.20:5060", "udp", "203.0.113.7:40000", "203.0.113.7:40000")] // private behind NAT
    [InlineData("sip:8001@192.168.1.20:5062", "udp", "192.168.1.20:5060", "192.168.1.20:5062")] // same LAN: the contact
    [InlineData("sip:8001@127.0.0.1:5060", "udp", "198.51.100.4:40000", "198.51.100.4:40000")] // loopback from elsewhere
    [InlineData("sip:8001@phone.example:5060", "udp", "198.51.100.4:40000", "198.51.100.4:40000")] // a name: no resolver
    [InlineData("sip:8001@198.51.100.9", "udp", "198.51.100.4:40000", "198.51.100.9:5060")] // public contact, default port
    public void A_binding_is_reached_at_its_contact_unless_the_rules_call_for_the_source(string contact, string transport, string source, string reached)
    {
        var kind = transport == "tcp" ? SipTransportKind.Tcp : SipTransportKind.Udp;
        var peer = Registrar.Reach(contact, new SipPeer(kind, IPEndPoint.Parse(source)));
        Assert.Equal(IPEndPoint.Parse(reached), peer.Remote);
        Assert.Equal(kind, peer.Kind);
    }
}
