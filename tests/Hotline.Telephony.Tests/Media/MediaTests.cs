using System.Net;
using System.Text;
using Hotline.Telephony.Media;

namespace Hotline.Telephony.Tests.Media;

public class MediaTests
{
    [Theory]
    [InlineData(0, (byte)0xFF, (byte)0xD5)]
    [InlineData(1000, (byte)0xCE, (byte)0xFA)]
    [InlineData(-1000, (byte)0x4E, (byte)0x7A)]
    public void G711_known_codes(short pcm, byte ulaw, byte alaw)
    {
        Assert.Equal(ulaw, G711.EncodeUlaw(pcm));
        Assert.Equal(alaw, G711.EncodeAlaw(pcm));
    }

    [Fact]
    public void G711_round_trip_error_is_within_quantization_step()
    {
        for (var s = short.MinValue + 1; s < short.MaxValue - 64; s += 61)
        {
            var v = (short)s;
            var u = G711.DecodeUlaw(G711.EncodeUlaw(v));
            var a = G711.DecodeAlaw(G711.EncodeAlaw(v));
            var tolerance = Math.Max(16, Math.Abs((int)v) / 16);
            Assert.InRange(Math.Abs(u - v), 0, tolerance);
            Assert.InRange(Math.Abs(a - v), 0, tolerance);
        }
    }

    [Fact]
    public void Every_code_decodes_and_reencodes_to_itself_for_ulaw()
    {
        for (var b = 0; b < 256; b++)
        {
            if (b == 0x7F)
            {
                continue; // negative zero
            }

            Assert.Equal((byte)b, G711.EncodeUlaw(G711.DecodeUlaw((byte)b)));
        }
    }

    private static int? TakeOne(JitterBuffer jb)
    {
        var buf = new byte[JitterBuffer.MaxPayload];
        var n = jb.Take(buf, out _);
        return n < 0 ? null : buf[0];
    }

    [Fact]
    public void Jitter_buffer_reorders_drops_duplicates_and_counts_loss()
    {
        var jb = new JitterBuffer(depth: 3);
        jb.Put(10, 8, [10]);
        jb.Put(12, 8, [12]);
        Assert.Null(TakeOne(jb)); // priming
        jb.Put(11, 8, [11]);
        jb.Put(11, 8, [11]);
        jb.Put(14, 8, [14]);
        Assert.Equal(10, TakeOne(jb));
        Assert.Equal(11, TakeOne(jb));
        Assert.Equal(12, TakeOne(jb));
        Assert.Null(TakeOne(jb)); // 13 is missing: a gap frame while it may still come
        Assert.Equal(1, jb.Gaps);
        jb.Put(15, 8, [15]);
        jb.Put(16, 8, [16]); // depth packets behind the hole: give up on 13
        Assert.Equal(14, TakeOne(jb));
        Assert.Equal(1, jb.Lost); // 10..16 expected, 6 received
        jb.Put(13, 8, [13]); // arrives after its playout time: received, so no longer lost, but discarded
        Assert.Equal(0, jb.Lost);
        Assert.Equal(1, jb.Late);
        Assert.Equal(1, jb.Discarded);
        Assert.Equal(7, jb.Received);
        Assert.Equal(15, TakeOne(jb));
    }

    [Fact]
    public void Jitter_buffer_waits_for_a_late_packet_instead_of_discarding_it()
    {
        var jb = new JitterBuffer(depth: 3);
        jb.Put(1, 0, [1]);
        jb.Put(2, 0, [2]);
        jb.Put(3, 0, [3]);
        Assert.Equal(1, TakeOne(jb));
        Assert.Equal(2, TakeOne(jb));
        Assert.Equal(3, TakeOne(jb));
        Assert.Null(TakeOne(jb)); // 4 is late (the receive loop was not scheduled): underrun, no skip
        jb.Put(4, 0, [4]);
        jb.Put(5, 0, [5]);
        jb.Put(6, 0, [6]);
        Assert.Equal(4, TakeOne(jb)); // played, not discarded
        Assert.Equal((0L, 0L), (jb.Lost, jb.Discarded));
    }

    [Fact]
    public void Jitter_buffer_handles_sequence_wrap()
    {
        var jb = new JitterBuffer(depth: 2);
        jb.Put(65534, 8, [1]);
        jb.Put(65535, 8, [2]);
        jb.Put(0, 8, [3]);
        jb.Put(1, 8, [4]);
        Assert.Equal([1, 2, 3, 4], Enumerable.Range(0, 4).Select(_ => TakeOne(jb) ?? -1).ToArray());
        Assert.Equal(0, jb.Lost);
    }

    [Fact]
    public void Jitter_buffer_counts_a_stalled_reader_as_discarded_not_as_network_loss()
    {
        var jb = new JitterBuffer(depth: 3);
        for (var i = 0; i < 200; i++)
        {
            jb.Put((ushort)(60000 + i), 0, [(byte)i]); // the media clock stalls: nobody takes for 4 s
        }

        Assert.Equal(0, jb.Lost);
        Assert.Equal(200 - 64, jb.Overrun);
        Assert.Equal(200 - 64, jb.Discarded);
        Assert.Equal(64, jb.Count);
        Assert.Equal(136, TakeOne(jb)); // the oldest packet still held, in order from there
        Assert.Equal(137, TakeOne(jb));
    }

    [Fact]
    public void Jitter_buffer_copies_payloads_into_its_ring()
    {
        var jb = new JitterBuffer(depth: 1);
        var payload = Enumerable.Range(0, 240).Select(i => (byte)i).ToArray(); // 30 ms packet
        jb.Put(7, 8, payload);
        payload[0] = 99; // the caller's receive buffer is reused for the next datagram
        var buf = new byte[JitterBuffer.MaxPayload];
        Assert.Equal(240, jb.Take(buf, out var pt));
        Assert.Equal(8, pt);
        Assert.Equal(0, buf[0]);
        Assert.Equal(239, buf[239]);
    }

    [Fact]
    public async Task Rtp_port_pool_hands_out_open_ports_and_reuses_returned_ones()
    {
        using var pool = new RtpPortPool(IPAddress.Loopback, 4);
        Assert.Equal(4, pool.Available);
        var a = new RtpSession(pool);
        var b = new RtpSession(pool);
        Assert.NotEqual(a.LocalEndPoint.Port, b.LocalEndPoint.Port);
        a.SetRemote(b.LocalEndPoint);
        a.PayloadType = 0;
        var tone = Enumerable.Range(0, RtpSession.FrameSamples).Select(i => (short)(4000 * Math.Sin(i / 3.0))).ToArray();
        for (var i = 0; i < 5; i++)
        {
            a.SendFrame(tone);
        }

        await Poller.UntilAsync(() => b.AudioPacketsReceived == 5, TimeSpan.FromSeconds(10), "five packets at b");
        var frame = new short[RtpSession.FrameSamples];
        Assert.True(b.ReadFrame(frame));
        Assert.True(frame.Zip(tone).All(p => Math.Abs(p.First - p.Second) < 300)); // µ-law round trip
        Assert.Equal(0, b.Lost);
        var port = a.LocalEndPoint.Port;
        await a.DisposeAsync();
        await b.DisposeAsync();
        var reused = Enumerable.Range(0, 6).Select(_ => new RtpSession(pool)).ToList();
        Assert.Contains(reused, s => s.LocalEndPoint.Port == port); // returned ports are rented again
        Assert.True(pool.Opened >= 6);
        foreach (var s in reused)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Media_clock_ticks_every_20_ms_on_its_threads()
    {
        await using var clock = new MediaClock(threads: 2);
        var ticker = new CountingTicker();
        clock.Add(ticker);
        await Poller.UntilAsync(() => ticker.Count >= 10, TimeSpan.FromSeconds(20), "ten ticks");
        clock.Remove(ticker);
        var after = ticker.Count;
        await Task.Delay(100);
        Assert.InRange(ticker.Count, after, after + 1);
        Assert.True(clock.Busy >= TimeSpan.Zero);
    }

    private sealed class CountingTicker : IMediaTicker
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Tick() => Interlocked.Increment(ref _count);
    }

    [Fact]
    public void Dtmf_is_reported_once_per_event_timestamp()
    {
        var d = new DtmfDetector();
        RtpPacket P(uint ts, byte ev, bool end) => new(101, false, 1, ts, 42, new byte[] { ev, (byte)(end ? 0x8A : 0x0A), 0, 160 });
        Assert.Equal('5', d.Offer(P(1000, 5, false)));
        Assert.Null(d.Offer(P(1000, 5, false)));
        Assert.Null(d.Offer(P(1000, 5, true)));
        Assert.Null(d.Offer(P(1000, 5, true)));
        Assert.Equal('5', d.Offer(P(2000, 5, false))); // same digit pressed again
        Assert.Equal('#', d.Offer(P(3000, 11, true)));
    }

    [Fact]
    public void Rtp_round_trip()
    {
        var buf = new byte[200];
        var n = RtpPacket.Write(buf, 8, true, 65535, 123456, 0xCAFE, new byte[] { 1, 2, 3 });
        Assert.True(RtpPacket.TryParse(buf.AsMemory(0, n), out var p));
        Assert.Equal((8, true, (ushort)65535, 123456u, 0xCAFEu), (p.PayloadType, p.Marker, p.Sequence, p.Timestamp, p.Ssrc));
        Assert.Equal(new byte[] { 1, 2, 3 }, p.Payload.ToArray());
        Assert.False(RtpPacket.TryParse(new byte[] { 0x80, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, out _)); // RTCP SR
    }

    [Fact]
    public void Sdp_answer_follows_offerer_codec_order_reads_telephone_event_and_ptime()
    {
        const string offer = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                             + "m=audio 4000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\na=ptime:30\r\n";
        Assert.True(SdpAudio.TryParse(offer, out var sdp));
        Assert.Equal(8, sdp.ChooseCodec()); // RFC 3264 §6.1: the offerer's preference order
        Assert.Equal(96, sdp.TelephoneEvent);
        Assert.Equal(30, sdp.Ptime);
        Assert.Equal(4000, sdp.Port);

        Assert.True(SdpAudio.TryParse(offer.Replace("8 0 96", "18 96", StringComparison.Ordinal), out var g729));
        Assert.Null(g729.ChooseCodec());

        var answer = SdpAudio.Build(System.Net.IPAddress.Loopback, 5000, [0], 96, 1);
        Assert.True(SdpAudio.TryParse(answer, out var back));
        Assert.Equal(5000, back.Port);
        Assert.Equal(96, back.TelephoneEvent);
    }

    [Fact]
    public void Stereo_wav_writer_interleaves_and_mono_reader_reads_back()
    {
        var path = Path.Combine(Path.GetTempPath(), "hotline-wav-" + Guid.NewGuid() + ".wav");
        using (var w = new WavWriter(path, 1))
        {
            w.Write(new short[] { 1, -2, 300 });
        }

        Assert.Equal(new short[] { 1, -2, 300 }, WavReader.ReadMono8k(path));
        using (var w = new WavWriter(path, 2))
        {
            w.Write(new short[] { 5, 6 }, new short[] { 7, 8 });
            Assert.Equal(2 / 8000.0, w.Duration.TotalSeconds, 6);
        }

        Assert.Equal(new short[] { 5, 6 }, WavReader.ReadMono8k(path)); // first channel
        Assert.Equal("RIFF", Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, 4));
        File.Delete(path);
    }

    [Fact]
    public void Player_plays_queue_then_loops_music_and_reports_finish()
    {
        var player = new AudioPlayer();
        var finished = 0;
        player.Finished += () => finished++;
        player.Play([Enumerable.Repeat((short)1, 200).ToArray()], Enumerable.Repeat((short)9, 100).ToArray());
        var frame = new short[160];
        player.Next(frame);
        Assert.All(frame, s => Assert.Equal(1, s));
        player.Next(frame);
        Assert.Equal(1, frame[39]);
        Assert.Equal(9, frame[40]);
        Assert.Equal(1, finished);
    }
}
