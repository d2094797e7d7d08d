namespace Hotline.Telephony.Media;

/// <summary>
/// The stereo recording of a bridged call (通话录音: caller left, agent right) written straight from the received
/// RTP packets, with no media clock: each packet's G.711 payload is decoded by table into its channel at the position
/// its RTP timestamp gives, so a lost or absent packet leaves silence of its exact length and the two channels stay
/// aligned. Each channel is anchored on the wall clock by its first packet (and again if its stream restarts, or
/// falls behind what is already written).
/// Samples wait in a one-second ring and are handed to the <see cref="WavWriter"/> once both channels have passed
/// them (a reordering margin behind), or once the ring's far half is reached when one side is silent.
/// Thread-safe: the two legs' receive threads write concurrently.
/// </summary>
internal sealed class StereoRecorder
{
    /// <summary>Frames (one sample per channel) the ring holds: one second at 8 kHz.</summary>
    public const int RingFrames = 8000;

    /// <summary>Frames kept behind the slower channel for reordered packets (60 ms).</summary>
    public const int ReorderFrames = 480;

    /// <summary>How far a silent or late side may hold the other back before silence is written for it (0.5 s).</summary>
    public const int MaxLagFrames = RingFrames / 2;

    private const int FlushBatchFrames = 800; // 100 ms: few, larger writes
    private const int ReanchorFrames = 2 * 8000; // a timestamp this far from the wall clock is a new stream
    private readonly WavWriter _writer;
    private readonly Lock _gate = new();
    private readonly long _start = Environment.TickCount64;
    private readonly ChannelState[] _channels = [new(), new()];
    private short[]? _ring; // interleaved left/right, allocated with the first packet
    private long _flushed;
    private bool _completed;

    public StereoRecorder(WavWriter writer) => _writer = writer;

    /// <summary>Where the file goes.</summary>
    public string Path => _writer.Path_;

    /// <summary>Samples that arrived after their position had been written out (replaced by silence).</summary>
    public long LateSamples { get; private set; }

    /// <summary>Test hook: the wall clock in frames since the recording started (default: the real clock).</summary>
    internal Func<long>? Clock { get; init; }

    /// <summary>
    /// Writes one received G.711 packet (payload type 0 or 8) into <paramref name="channel"/> (0 left, 1 right) at the
    /// position of its <paramref name="timestamp"/>.
    /// </summary>
    public void Write(int channel, uint ssrc, uint timestamp, int payloadType, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (_completed || payload.IsEmpty)
            {
                return;
            }

            var c = _channels[channel];
            var now = Now();
            long pos;
            if (c.Anchored && c.Ssrc == ssrc)
            {
                pos = c.BasePosition + (int)(timestamp - c.BaseTimestamp);
                if (Math.Abs(pos - now) > ReanchorFrames
                    || (pos + payload.Length <= _flushed && (int)(timestamp - c.NewestTimestamp) > 0))
                {
                    // A new stream, or this stream fell behind what is already written (the sender stalled, or the
                    // network delayed it for longer than the lag allowed): its audio goes on from now instead of being
                    // lost as late. A straggler older than the newest packet stays late.
                    pos = Anchor(c, ssrc, timestamp, now);
                }
            }
            else
            {
                pos = Anchor(c, ssrc, timestamp, now);
            }

            var n = Math.Min(payload.Length, RingFrames);
            if (pos + n > _flushed + RingFrames)
            {
                Flush(pos + n - RingFrames); // far ahead: what the ring cannot hold any more is final
            }

            _ring ??= new short[RingFrames * 2];
            var skip = (int)Math.Clamp(_flushed - pos, 0, n); // already written out: too late for the file
            LateSamples += skip;
            var table = G711.DecodeTable(payloadType);
            var slot = (int)((pos + skip) % RingFrames);
            var ring = _ring;
            for (var i = skip; i < n; i++)
            {
                ring[(slot * 2) + channel] = table[payload[i]];
                if (++slot == RingFrames)
                {
                    slot = 0;
                }
            }

            c.High = Math.Max(c.High, pos + n);
            if ((int)(timestamp - c.NewestTimestamp) > 0)
            {
                c.NewestTimestamp = timestamp;
            }
            var other = _channels[1 - channel];
            var both = Math.Min(c.High, other.High) - ReorderFrames;
            var target = Math.Max(both, Math.Max(c.High, other.High) - MaxLagFrames);
            if (target - _flushed >= FlushBatchFrames)
            {
                Flush(target);
            }
        }
    }

    /// <summary>Writes out everything received and closes the file on the disk thread.</summary>
    public Task CompleteAsync()
    {
        lock (_gate)
        {
            if (!_completed)
            {
                _completed = true;
                Flush(Math.Max(_channels[0].High, _channels[1].High));
                _ring = null;
            }
        }

        return _writer.CompleteAsync();
    }

    /// <summary>Milliseconds are precise enough to anchor a stream (8 frames), and cheaper to read than the Stopwatch.</summary>
    private long Now() => Clock?.Invoke() ?? (Environment.TickCount64 - _start) * 8;

    private long Anchor(ChannelState c, uint ssrc, uint timestamp, long now)
    {
        c.Anchored = true;
        c.Ssrc = ssrc;
        c.BaseTimestamp = timestamp;
        c.NewestTimestamp = timestamp;
        c.BasePosition = Math.Max(now, _flushed);
        return c.BasePosition;
    }

    /// <summary>Hands frames [_flushed, to) to the writer (silence where nothing arrived) and clears them in the ring.</summary>
    private void Flush(long to)
    {
        if (to <= _flushed)
        {
            return;
        }

        if (_ring is null)
        {
            _ring = new short[RingFrames * 2];
        }

        while (_flushed < to)
        {
            var start = (int)(_flushed % RingFrames);
            var count = (int)Math.Min(to - _flushed, RingFrames - start);
            var span = _ring.AsSpan(start * 2, count * 2);
            _writer.WriteInterleaved(span);
            span.Clear();
            _flushed += count;
        }
    }

    private sealed class ChannelState
    {
        public bool Anchored;
        public uint Ssrc;
        public uint BaseTimestamp;
        public uint NewestTimestamp;
        public long BasePosition;
        public long High;
    }
}
