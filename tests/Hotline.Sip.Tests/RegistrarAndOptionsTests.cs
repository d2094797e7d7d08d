using System.Net;
using System.Net.Sockets;
using System.Text;
using Hotline.Sip.Tests.Support;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests;

/// <summary>REGISTER with digest, OPTIONS, and malformed input, against SIPp and raw sockets.</summary>
public sealed class RegistrarAndOptionsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Register_is_challenged_then_accepted_with_the_right_password(string transport)
    {
        await using var host = await EngineHost.StartAsync(output);
        var target = transport == "t1" ? host.Engine.TcpEndPoint! : host.Udp;
        var (code, log) = await Sipp.RunAsync(target, "register.xml", Timeout, transport,
            "-s", EngineHost.Agent1, "-au", EngineHost.Agent1, "-ap", EngineHost.Password);
        output.WriteLine(log);
        Assert.Equal(0, code);
        Assert.NotNull(host.Engine.Registrar.Find(EngineHost.Agent1));
    }

    [Fact]
    public async Task Register_with_a_wrong_password_is_forbidden_and_not_bound()
    {
        await using var host = await EngineHost.StartAsync(output);
        var (code, log) = await Sipp.RunAsync(host.Udp, "register-wrong.xml", Timeout, "u1",
            "-s", EngineHost.Agent1, "-au", EngineHost.Agent1, "-ap", "not-the-password");
        output.WriteLine(log);
        Assert.Equal(0, code);
        Assert.Null(host.Engine.Registrar.Find(EngineHost.Agent1));
    }

    [Fact]
    public async Task Options_gets_200_and_unknown_require_and_method_are_refused()
    {
        await using var host = await EngineHost.StartAsync(output);
        var (code, log) = await Sipp.RunAsync(host.Udp, "options.xml", Timeout);
        Assert.True(code == 0, log);
        (code, log) = await Sipp.RunAsync(host.Udp, "unknown.xml", Timeout);
        Assert.True(code == 0, log);
    }

    private const string Good = "OPTIONS sip:12328@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-{n}\r\n"
                                + "From: <sip:fuzz@127.0.0.1>;tag=1\r\nTo: <sip:12328@127.0.0.1>\r\nCall-ID: fuzz-{n}\r\nCSeq: 1 OPTIONS\r\n"
                                + "Content-Length: 0\r\n\r\n";

    [Fact]
    public async Task Malformed_input_gets_400_or_is_dropped_and_the_engine_keeps_serving()
    {
        await using var host = await EngineHost.StartAsync(output);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Msg(int n) => Good.Replace("{port}", port, StringComparison.Ordinal).Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        async Task<string?> Exchange(string text)
        {
            await udp.SendAsync(Encoding.UTF8.GetBytes(text), host.Udp);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
            try
            {
                var r = await udp.ReceiveAsync(cts.Token);
                return Encoding.UTF8.GetString(r.Buffer);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        Assert.StartsWith("SIP/2.0 400 Bad CSeq", await Exchange(Msg(1).Replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 400 Bad CSeq", await Exchange(Msg(2).Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 400 Bad Content-Length", await Exchange(Msg(3).Replace("Content-Length: 0", "Content-Length: 999", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 505", await Exchange(Msg(4).Replace("SIP/2.0\r\nVia", "SIP/3.0\r\nVia", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Null(await Exchange(Msg(5).Replace("OPTIONS sip:12328@127.0.0.1 SIP/2.0", "HELLO THERE", StringComparison.Ordinal))); // bad start line: dropped
        Assert.StartsWith("SIP/2.0 501", await Exchange(Msg(6).Replace("OPTIONS", "BREW", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 420", await Exchange(Msg(7).Replace("Content-Length", "Require: 100rel, foo\r\nContent-Length", StringComparison.Ordinal)), StringComparison.Ordinal);

        var rng = new Random(5);
        var seed = Encoding.UTF8.GetBytes(Msg(8));
        for (var i = 0; i < 2000; i++)
        {
            byte[] junk;
            if (i % 2 == 0)
            {
                junk = new byte[rng.Next(1, 1400)];
                rng.NextBytes(junk);
            }
            else
            {
                junk = (byte[])seed.Clone();
                for (var k = 0; k < 4; k++)
                {
                    junk[rng.Next(junk.Length)] = (byte)rng.Next(256);
                }
            }

            await udp.SendAsync(junk, host.Udp);
        }

        // Drain whatever the mutated messages earned, then the engine must still answer.
        Assert.True(await Poller.HoldsWithinAsync(() => host.Engine.Received >= 2007, TimeSpan.FromSeconds(10)));
        var (code, log) = await Sipp.RunAsync(host.Udp, "options.xml", Timeout);
        Assert.True(code == 0, log);
        Assert.True(host.Engine.Malformed > 900, $"malformed count {host.Engine.Malformed}");
    }

    [Fact]
    public async Task Tcp_stream_with_two_messages_in_one_segment_and_split_body_is_framed()
    {
        await using var host = await EngineHost.StartAsync(output);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.Engine.TcpEndPoint!);
        var stream = tcp.GetStream();
        var local = ((IPEndPoint)tcp.Client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var one = Good.Replace("UDP", "TCP", StringComparison.Ordinal).Replace("{port}", local, StringComparison.Ordinal);
        var both = one.Replace("{n}", "a", StringComparison.Ordinal) + one.Replace("{n}", "b", StringComparison.Ordinal);
        var bytes = Encoding.ASCII.GetBytes(both);
        await stream.WriteAsync(bytes.AsMemory(0, 40));
        await stream.FlushAsync();
        await Task.Yield();
        await stream.WriteAsync(bytes.AsMemory(40));
        var buffer = new byte[8192];
        var text = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (CountOf(text.ToString(), "SIP/2.0 200 OK") < 2)
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            Assert.True(n > 0);
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        Assert.Contains("Call-ID: fuzz-a", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("Call-ID: fuzz-b", text.ToString(), StringComparison.Ordinal);
    }

    private static int CountOf(string s, string what)
    {
        var count = 0;
        for (var i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
