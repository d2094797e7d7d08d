using System.Text;
using Hotline.Telephony.Sip.Messages;

namespace Hotline.Telephony.Tests.Sip;

public class SipParserTests
{
    private static SipParseResult Parse(string text) => SipParser.Parse(Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal)));

    private const string Options = """
        OPTIONS sip:12328@127.0.0.1 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1
        From: <sip:a@127.0.0.1>;tag=1
        To: <sip:12328@127.0.0.1>
        Call-ID: c1
        CSeq: 1 OPTIONS
        Content-Length: 0


        """;

    [Fact]
    public void Reads_compact_folded_escaped_fixture_and_keeps_unknown_headers()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "invite-compact-folded.sip"));
        var r = SipParser.Parse(bytes);

        Assert.True(r.Ok, r.Detail);
        var req = Assert.IsType<SipRequest>(r.Message);
        Assert.Equal("INVITE", req.Method);
        Assert.Equal("a84b4c76e66710@10.0.0.1", req.CallId);
        Assert.Equal("1928301774", req.FromTag);
        Assert.Equal("keep me folded", req.Headers["x-custom-header"]);
        Assert.Equal("z9hG4bK776asdhds", req.TopVia!.Branch);
        Assert.True(NameAddress.TryParse(req.Headers["From"], out var from));
        Assert.Equal("Zhang \"San\"", from.DisplayName);
        Assert.Equal("138001", from.SipUri!.User);
        Assert.Equal("v=0\r\n", req.BodyText);
        Assert.Equal("timer", req.Headers["Supported"]);
    }

    [Fact]
    public void Rejects_cseq_method_mismatch()
    {
        var r = Parse(Options.Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal));
        Assert.Equal(SipParseError.BadCSeq, r.Error);
        Assert.NotNull(r.Partial); // still answerable with 400
    }

    [Theory]
    [InlineData("CSeq: abc OPTIONS")]
    [InlineData("CSeq: 99999999999 OPTIONS")]
    [InlineData("CSeq: 1")]
    public void Rejects_bad_cseq(string line)
    {
        var r = Parse(Options.Replace("CSeq: 1 OPTIONS", line, StringComparison.Ordinal));
        Assert.Equal(SipParseError.BadCSeq, r.Error);
    }

    [Theory]
    [InlineData("OPTIONS SIP/2.0")]
    [InlineData("OPTIONS  sip:x@y")]
    [InlineData("GARBAGE")]
    [InlineData("SIP/2.0 99 Nope")]
    public void Rejects_bad_start_line(string start)
    {
        var r = Parse(Options.Replace("OPTIONS sip:12328@127.0.0.1 SIP/2.0", start, StringComparison.Ordinal));
        Assert.False(r.Ok);
        Assert.Equal(SipParseError.BadStartLine, r.Error);
    }

    [Fact]
    public void Content_length_larger_than_datagram_is_an_error_and_smaller_truncates()
    {
        var tooLong = Parse(Options.Replace("Content-Length: 0", "Content-Length: 50", StringComparison.Ordinal));
        Assert.Equal(SipParseError.BadContentLength, tooLong.Error);

        var extra = Parse(Options.Replace("Content-Length: 0\n\n", "Content-Length: 2\n\nabcdef", StringComparison.Ordinal));
        Assert.True(extra.Ok);
        Assert.Equal("ab", extra.Message!.BodyText);
    }

    [Fact]
    public void Missing_call_id_is_reported()
    {
        var r = Parse(Options.Replace("Call-ID: c1\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal(SipParseError.MissingHeader, r.Error);
        Assert.Equal("Call-ID", r.Detail);
    }

    [Fact]
    public void Serializes_with_recomputed_content_length_and_round_trips()
    {
        var r = Parse(Options);
        var msg = r.Message!;
        msg.Body = Encoding.UTF8.GetBytes("hello");
        var again = SipParser.Parse(msg.ToBytes(), stream: true);
        Assert.True(again.Ok, again.Detail);
        Assert.Equal("hello", again.Message!.BodyText);
        Assert.Equal("5", again.Message.Headers["content-length"]);
    }

    [Fact]
    public void Splits_list_headers_but_not_inside_quotes()
    {
        var r = Parse(Options.Replace("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1",
            "Via: SIP/2.0/UDP a:1;branch=z9hG4bK-1, SIP/2.0/TCP b:2;branch=z9hG4bK-2\nContact: \"x, y\" <sip:a@b>, <sip:c@d>", StringComparison.Ordinal));
        Assert.True(r.Ok, r.Detail);
        Assert.Equal(2, r.Message!.Headers.GetAll("Via").Count);
        Assert.Equal("a", r.Message.TopVia!.Host);
        Assert.Equal(2, r.Message.Headers.GetAll("Contact").Count);
    }

    [Fact]
    public void Response_copies_transaction_headers_and_adds_to_tag()
    {
        var req = (SipRequest)Parse(Options).Message!;
        var resp = req.CreateResponse(200, toTag: "abc");
        Assert.Equal("abc", resp.ToTag);
        Assert.Equal("c1", resp.CallId);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", resp.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(12328);
        var seed = Encoding.UTF8.GetBytes(Options.Replace("\n", "\r\n", StringComparison.Ordinal));
        for (var i = 0; i < 5000; i++)
        {
            var data = i % 2 == 0 ? new byte[rng.Next(0, 600)] : (byte[])seed.Clone();
            if (i % 2 == 0)
            {
                rng.NextBytes(data);
            }
            else
            {
                for (var k = 0; k < 5; k++)
                {
                    data[rng.Next(data.Length)] = (byte)rng.Next(256);
                }
            }

            var r = SipParser.Parse(data);
            Assert.True(r.Ok || r.Error != SipParseError.None);
        }
    }

    [Theory]
    [InlineData("sip:8001@127.0.0.1:5080;transport=tcp", "8001", "127.0.0.1", 5080)]
    [InlineData("sips:alice@[::1]:5061", "alice", "::1", 5061)]
    [InlineData("sip:%38%30%30%32@host", "8002", "host", null)]
    public void Parses_uris(string text, string user, string host, int? port)
    {
        Assert.True(SipUri.TryParse(text, out var uri));
        Assert.Equal(user, uri.User);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
    }
}
