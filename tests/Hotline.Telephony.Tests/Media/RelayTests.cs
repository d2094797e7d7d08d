using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Hotline.Telephony.Media;

namespace Hotline.Telephony.Tests.Media;

/// <summary>The bridged path: packets relayed on receipt, RFC 3550 counting on receipt, recording from packets.</summary>
public class RelayTests
{
    [Fact]
    public async Task Relayed_packets_continue_the_legs_own_stream_after_prompts_keep_gaps_and_transcode()
    {
        await using var caller = new RtpSession(IPAddress.Loopback) { PayloadType = 8, TelephoneEvent = 101 };
        await using var agent = new RtpSession(IPAddress.Loopback) { PayloadType = 0, TelephoneEvent = 100 };
        using var callerPhone = new Phone();
        using var agentPhone = new Phone();
        caller.SetRemote(callerPhone.EndPoint);
        agent.SetRemote(agentPhone.EndPoint);

        // Early media: three prompt frames from the media clock's path.
        var frame = new short[RtpSession.FrameSamples];
        for (var i = 0; i < 3; i++)
        {
            caller.SendFrame(frame);
        }

        await Poller.UntilAsync(() => callerPhone.Packets.Count == 3, TimeSpan.FromSeconds(10), "prompt frames");
        var prompts = callerPhone.Packets.ToArray();

        // Bridge, then the agent's phone talks PCMU with its own numbering: 1000, 1001, 1002, (1003 lost), 1004.
        caller.RelayTo(agent, null, 0);
        agent.RelayTo(caller, null, 1);
        byte[] payload = [.. Enumerable.Range(0, 160).Select(i => (byte)i)];
        foreach (var n in new[] { 0, 1, 2, 4 })
        {
            agentPhone.Send(agent.LocalEndPoint, 0, (ushort)(1000 + n), 5000u + (uint)(n * 160), 0xABCDEF, payload);
        }

        await Poller.UntilAsync(() => callerPhone.Packets.Count == 7, TimeSpan.FromSeconds(10), "relayed packets");
        var relayed = callerPhone.Packets.Skip(3).ToArray();
        var last = prompts[^1];
        Assert.All(relayed, p => Assert.Equal(last.Ssrc, p.Ssrc)); // one stream towards the caller
        Assert.All(relayed, p => Assert.Equal(8, p.PayloadType));
        Assert.Equal((ushort)(last.Sequence + 1), relayed[0].Sequence); // continues the prompt's numbering
        Assert.Equal(new[] { 1, 2, 4 }, relayed.Skip(1).Select(p => (ushort)(p.Sequence - relayed[0].Sequence)).Select(d => (int)d));
        var jump = relayed[0].Timestamp - last.Timestamp;
        Assert.True(jump >= 160 && jump % 160 == 0, $"timestamp jump {jump}");
        Assert.Equal(new uint[] { 160, 320, 640 }, relayed.Skip(1).Select(p => p.Timestamp - relayed[0].Timestamp));
        Assert.True(relayed[0].Marker);
        var expected = new byte[160];
        G711.Transcode(0, 8, payload, expected);
        Assert.Equal(expected, relayed[0].Payload);
        Assert.Equal(G711.EncodeAlaw(G711.DecodeUlaw(77)), relayed[0].Payload[77]);

        // Loss is counted on receipt even though nothing went through the jitter buffer.
        Assert.Equal(1, agent.Lost);
        Assert.Equal(4, agent.PacketsRelayed);
        Assert.True(agent.Relaying);

        // The clock's frames, should they resume (bridge ended), continue after the newest relayed packet.
        agent.StopRelay();
        caller.StopRelay();
        caller.SendFrame(frame);
        await Poller.UntilAsync(() => callerPhone.Packets.Count == 8, TimeSpan.FromSeconds(10), "frame after relay");
        var after = callerPhone.Packets.Last();
        Assert.Equal((ushort)(relayed[^1].Sequence + 1), after.Sequence);
        Assert.Equal(relayed[^1].Timestamp + 160, after.Timestamp);
    }

    [Fact]
    public async Task Dtmf_is_detected_while_relaying_and_relayed_with_the_peers_event_type()
    {
        await using var caller = new RtpSession(IPAddress.Loopback) { PayloadType = 8, TelephoneEvent = 101 };
        await using var agent = new RtpSession(IPAddress.Loopback) { PayloadType = 8, TelephoneEvent = 100 };
        using var callerPhone = new Phone();
        using var agentPhone = new Phone();
        caller.SetRemote(callerPhone.EndPoint);
        agent.SetRemote(agentPhone.EndPoint);
        caller.RelayTo(agent, null, 0);
        agent.RelayTo(caller, null, 1);
        var digits = new ConcurrentQueue<char>();
        caller.Digit += digits.Enqueue;

        var audio = new byte[160];
        callerPhone.Send(caller.LocalEndPoint, 8, 10, 800, 7, audio);
        for (var i = 0; i < 3; i++)
        {
            callerPhone.Send(caller.LocalEndPoint, 101, (ushort)(11 + i), 960, 7, [7, (byte)(i == 2 ? 0x8A : 0x0A), 0, (byte)(160 * (i + 1))]);
        }

        await Poller.UntilAsync(() => agentPhone.Packets.Count == 4, TimeSpan.FromSeconds(10), "relayed audio and events");
        Assert.Equal(['7'], digits.ToArray()); // once per event, while the packets are relayed
        var events = agentPhone.Packets.Skip(1).ToArray();
        Assert.All(events, e => Assert.Equal(100, e.PayloadType));
        Assert.All(events, e => Assert.Equal(7, e.Payload[0]));
        var first = agentPhone.Packets.First();
        Assert.Equal(160u, events[0].Timestamp - first.Timestamp); // same offset as the audio: event time kept
        Assert.Equal(new[] { 1, 2, 3 }, events.Select(e => (int)(ushort)(e.Sequence - first.Sequence)));
        Assert.Equal(0, caller.Lost);
    }

    [Fact]
    public async Task On_linux_rtp_ports_are_read_by_the_receive_threads_also_after_descriptors_are_reused()
    {
        Assert.Equal(OperatingSystem.IsLinux(), RtpReceiveThreads.Enabled);
        var before = RtpReceiveThreads.Datagrams;
        using var phone = new Phone();
        for (var round = 0; round < 3; round++)
        {
            // A closed port's descriptor number is handed to the next socket: the new port must get its own packets.
            await using var session = new RtpSession(IPAddress.Loopback) { PayloadType = 8 };
            for (var i = 0; i < 20; i++)
            {
                phone.Send(session.LocalEndPoint, 8, (ushort)i, (uint)(i * 160), 9, new byte[160]);
            }

            await Poller.UntilAsync(() => session.AudioPacketsReceived == 20, TimeSpan.FromSeconds(10), "20 packets");
            Assert.Equal(0, session.Lost);
        }

        if (RtpReceiveThreads.Enabled)
        {
            Assert.True(RtpReceiveThreads.Datagrams - before >= 60, $"receive threads read {RtpReceiveThreads.Datagrams - before}");
            Assert.True(RtpReceiveThreads.Passes > 0);
        }
    }

    [Fact]
    public void Receive_stats_count_loss_as_rfc3550_with_reordering_duplicates_and_wrap()
    {
        var s = new RtpReceiveStats();
        foreach (var seq in new ushort[] { 65533, 65535, 65534, 0, 2, 2, 3 })
        {
            s.Add(seq);
        }

        Assert.Equal(6, s.Received); // the duplicate 2 counted once
        Assert.Equal(1, s.Lost); // 65533 … 3 is 7 expected, 1 (seq 1) missing
        Assert.False(s.Add(0)); // still a duplicate
        Assert.True(s.Add(1)); // late, not lost any more
        Assert.Equal(0, s.Lost);
    }

    [Fact]
    public async Task Recording_from_packets_fills_a_lost_packet_with_silence_and_keeps_the_channels_aligned()
    {
        var path = Path.Combine(Path.GetTempPath(), "hotline-rec-" + Guid.NewGuid() + ".wav");
        long now = 0;
        var recorder = new StereoRecorder(new WavWriter(path, 2)) { Clock = () => now };
        byte left = G711.EncodeAlaw(1000), right = G711.EncodeUlaw(-2000);
        var leftPayload = Enumerable.Repeat(left, 160).ToArray();
        var rightPayload = Enumerable.Repeat(right, 160).ToArray();

        // 2 s of both sides; the caller's (left) packet 10 is lost, the agent's (right) packets arrive out of order in pairs.
        int[] order = [0, .. Enumerable.Range(0, 49).SelectMany(k => new[] { (2 * k) + 2, (2 * k) + 1 }), 99];
        for (var i = 0; i < 100; i++)
        {
            now = i * 160;
            if (i != 10)
            {
                recorder.Write(0, 1, 90_000u + (uint)(i * 160), 8, leftPayload);
            }

            var j = order[i];
            recorder.Write(1, 2, 7_000u + (uint)(j * 160), 0, rightPayload);
        }

        await recorder.CompleteAsync();
        var (l, r) = ReadStereo(path);
        File.Delete(path);
        Assert.Equal(100 * 160, l.Length);
        Assert.Equal(Enumerable.Repeat((short)0, 160), l.Skip(1600).Take(160)); // the lost packet's 20 ms, exactly
        Assert.All(l.Take(1600).Concat(l.Skip(1760)), s => Assert.Equal(G711.DecodeAlaw(left), s));
        Assert.All(r, s => Assert.Equal(G711.DecodeUlaw(right), s)); // reordered packets in their places
        Assert.Equal(0, recorder.LateSamples);
    }

    [Fact]
    public async Task Recording_places_a_side_that_starts_later_at_its_arrival_time()
    {
        var path = Path.Combine(Path.GetTempPath(), "hotline-rec-" + Guid.NewGuid() + ".wav");
        long now = 0;
        var recorder = new StereoRecorder(new WavWriter(path, 2)) { Clock = () => now };
        var payload = Enumerable.Repeat(G711.EncodeAlaw(3000), 160).ToArray();
        for (var i = 0; i < 300; i++)
        {
            now = i * 160;
            recorder.Write(0, 1, (uint)(i * 160), 8, payload);
            if (i >= 50)
            {
                recorder.Write(1, 2, 123_456u + (uint)((i - 50) * 160), 8, payload); // the agent starts 1 s later
            }
        }

        await recorder.CompleteAsync();
        var (l, r) = ReadStereo(path);
        File.Delete(path);
        Assert.Equal(300 * 160, l.Length);
        Assert.All(r.Take(50 * 160), s => Assert.Equal(0, s));
        Assert.All(r.Skip(50 * 160), s => Assert.Equal(G711.DecodeAlaw(payload[0]), s));
        Assert.All(l, s => Assert.Equal(G711.DecodeAlaw(payload[0]), s));
    }

    [Fact]
    public async Task Recording_keeps_a_side_whose_sender_stalled_behind_the_other()
    {
        var path = Path.Combine(Path.GetTempPath(), "hotline-rec-" + Guid.NewGuid() + ".wav");
        long now = 0;
        var recorder = new StereoRecorder(new WavWriter(path, 2)) { Clock = () => now };
        var caller = Enumerable.Repeat(G711.EncodeAlaw(3000), 160).ToArray();
        var agent = Enumerable.Repeat(G711.EncodeAlaw(-3000), 160).ToArray();
        uint callerTs = 0;
        for (var i = 0; i < 200; i++)
        {
            now = i * 160;
            recorder.Write(1, 2, 50_000u + (uint)(i * 160), 8, agent);

            // The caller's sender stalls for 1 s after 0.5 s, then goes on where its timestamps left off (one packet per
            // 20 ms, no jump): its stream is now 1 s behind the agent's.
            if (i < 25 || i >= 75)
            {
                recorder.Write(0, 1, callerTs, 8, caller);
                callerTs += 160;
            }
        }

        await recorder.CompleteAsync();
        var (l, _) = ReadStereo(path);
        File.Delete(path);
        var callerSamples = l.Count(s => s == G711.DecodeAlaw(caller[0]));
        Assert.True(callerSamples >= 150 * 160, $"caller audio kept: {callerSamples / 160} of 150 packets");
    }

    private static (short[] Left, short[] Right) ReadStereo(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(22)));
        var data = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40));
        Assert.Equal(bytes.Length - 44, data);
        var frames = data / 4;
        var l = new short[frames];
        var r = new short[frames];
        for (var i = 0; i < frames; i++)
        {
            l[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(44 + (4 * i)));
            r[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(46 + (4 * i)));
        }

        return (l, r);
    }

    /// <summary>A phone's RTP socket: sends packets and keeps every one it receives, in order.</summary>
    private sealed class Phone : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Task _loop;

        public Phone()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = Task.Run(Receive);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public ConcurrentQueue<Received> Packets { get; } = new();

        public void Send(IPEndPoint to, int payloadType, ushort sequence, uint timestamp, uint ssrc, byte[] payload)
        {
            var buffer = new byte[12 + payload.Length];
            var n = RtpPacket.Write(buffer, payloadType, false, sequence, timestamp, ssrc, payload);
            _socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, to);
        }

        private async Task Receive()
        {
            var buffer = new byte[2048];
            while (true)
            {
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }

                if (RtpPacket.TryParse(buffer.AsMemory(0, n).ToArray(), out var p))
                {
                    Packets.Enqueue(new Received(p.PayloadType, p.Marker, p.Sequence, p.Timestamp, p.Ssrc, p.Payload.ToArray()));
                }
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }

    private sealed record Received(int PayloadType, bool Marker, ushort Sequence, uint Timestamp, uint Ssrc, byte[] Payload);
}
