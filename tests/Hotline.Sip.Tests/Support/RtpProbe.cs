using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Hotline.Sip.Tests.Support;

/// <summary>
/// The caller's media in call tests: receives what the engine sends (prompts, music, the agent's voice) and sends a
/// PCMU tone and RFC 4733 digits, so what reached whom can be measured.
/// </summary>
internal sealed class RtpProbe : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receive;
    private readonly Lock _gate = new();
    private readonly List<(DateTime At, short[] Pcm)> _frames = [];
    private Task? _tone;
    private ushort _seq = 1;
    private uint _ts = 1000;

    public RtpProbe() => _receive = Task.Run(ReceiveLoop);

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    public IPEndPoint? Target { get; set; }

    public int Received
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count;
            }
        }
    }

    private async Task ReceiveLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult r;
            try
            {
                r = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var b = r.Buffer;
            if (b.Length < 12 || (b[1] & 0x7F) is not (0 or 8))
            {
                continue;
            }

            var alaw = (b[1] & 0x7F) == 8;
            var pcm = new short[b.Length - 12];
            for (var i = 0; i < pcm.Length; i++)
            {
                pcm[i] = alaw ? Alaw(b[12 + i]) : Ulaw(b[12 + i]);
            }

            lock (_gate)
            {
                _frames.Add((DateTime.UtcNow, pcm));
            }
        }
    }

    /// <summary>Frames received since a moment, concatenated.</summary>
    public short[] Since(DateTime from)
    {
        lock (_gate)
        {
            return _frames.Where(f => f.At >= from).SelectMany(f => f.Pcm).ToArray();
        }
    }

    /// <summary>Starts sending a continuous sine tone (20 ms PCMU packets) to <see cref="Target"/>.</summary>
    public void StartTone(double hz)
    {
        _tone = Task.Run(async () =>
        {
            var n = 0L;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var payload = new byte[160];
                for (var i = 0; i < 160; i++, n++)
                {
                    payload[i] = EncodeUlaw((short)(6000 * Math.Sin(2 * Math.PI * hz * n / 8000)));
                }

                await SendAsync(0, payload, false);
            }
        });
    }

    /// <summary>Sends one RFC 4733 event the way phones do: three updates and three end packets, one timestamp.</summary>
    public async Task SendDigitAsync(byte digit, int payloadType = 101)
    {
        var ts = _ts + 80;
        for (var i = 0; i < 6; i++)
        {
            var end = i >= 3;
            var duration = (ushort)(160 * Math.Min(i + 1, 4));
            var p = new byte[] { digit, (byte)((end ? 0x80 : 0) | 10), (byte)(duration >> 8), (byte)duration };
            await SendAsync(payloadType, p, i == 0, ts);
            await Task.Delay(20);
        }

        _ts += 960; // the next event starts later, as on a phone (receivers dedupe events by timestamp)
    }

    private async Task SendAsync(int pt, byte[] payload, bool marker, uint? timestamp = null)
    {
        if (Target is null)
        {
            return;
        }

        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | pt);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), _seq++);
        var ts = timestamp ?? _ts;
        if (timestamp is null)
        {
            _ts += 160;
        }

        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ts);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0x12328);
        payload.CopyTo(packet, 12);
        await _udp.SendAsync(packet, Target);
    }

    public static double Rms(ReadOnlySpan<short> pcm)
    {
        if (pcm.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        foreach (var s in pcm)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / pcm.Length);
    }

    /// <summary>
    /// Share of the signal's power at one frequency, 0–1: Goertzel over 100 ms blocks, the blocks' tone power summed.
    /// Per block, because a tone is only phase-coherent between the gaps of a real stream: a packet run the recorder placed
    /// after a stall (it re-anchors a side that fell behind, inserting silence) shifts the phase, and one transform over
    /// the whole recording would let the parts before and after cancel — that, not the audio, failed the test under load.
    /// </summary>
    public static double ToneShare(ReadOnlySpan<short> pcm, double hz)
    {
        const int block = 800;
        var k = 2 * Math.Cos(2 * Math.PI * hz / 8000);
        double tone = 0, total = 0;
        for (var start = 0; start + block <= pcm.Length; start += block)
        {
            double s1 = 0, s2 = 0;
            foreach (var x in pcm.Slice(start, block))
            {
                var s0 = x + (k * s1) - s2;
                s2 = s1;
                s1 = s0;
                total += (double)x * x;
            }

            tone += 2 * ((s1 * s1) + (s2 * s2) - (k * s1 * s2)) / block;
        }

        return total == 0 ? 0 : tone / total;
    }

    private static short Ulaw(byte b)
    {
        var u = ~b & 0xFF;
        var t = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7);
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    private static short Alaw(byte b)
    {
        var a = b ^ 0x55;
        var e = (a >> 4) & 7;
        var m = a & 0x0F;
        var s = e == 0 ? (m << 4) + 8 : ((m << 4) + 0x108) << (e - 1);
        return (short)((a & 0x80) != 0 ? s : -s);
    }

    private static byte EncodeUlaw(short pcm)
    {
        var sample = (int)pcm;
        var sign = (sample >> 8) & 0x80;
        if (sign != 0)
        {
            sample = -sample;
        }

        sample = Math.Min(sample, 32635) + 0x84;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        return (byte)~(sign | (exponent << 4) | ((sample >> (exponent + 3)) & 0x0F));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        try
        {
            await _receive;
            if (_tone is not null)
            {
                await _tone;
            }
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
