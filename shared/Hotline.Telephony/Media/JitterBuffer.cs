namespace Hotline.Telephony.Media;

/// <summary>
/// A small fixed-delay jitter buffer (抖动缓冲) for one RTP stream, on a preallocated ring: packets are reordered by
/// sequence number, duplicates dropped, and one frame is taken per 20 ms tick once the buffer has primed to its depth.
/// No allocation per packet. Two different things are counted apart:
/// <see cref="Lost"/> is network loss as RFC 3550 §6.4.1 defines it (packets expected from the sequence numbers seen,
/// minus packets received), and <see cref="Discarded"/> is what arrived but could not be played: later than its playout
/// time, or pushed out because the reader (the media clock) fell more than the ring's length behind.
/// </summary>
internal sealed class JitterBuffer
{
    /// <summary>Largest payload kept per packet: 60 ms of G.711.</summary>
    public const int MaxPayload = 480;

    private const int Slots = 64;
    private readonly int _depth;
    private readonly Lock _gate = new();
    private byte[] _data = [];
    private short[] _length = [];
    private byte[] _type = [];
    private long[] _seqOf = [];
    private int _count;
    private long _next = -1;
    private bool _primed;
    private long _first = -1;
    private long _highest = -1;

    public JitterBuffer(int depth = 3)
    {
        _depth = Math.Clamp(depth, 1, Slots / 2);
    }

    /// <summary>The ring is allocated with the first packet (many calls never carry audio) and dropped by <see cref="Release"/>.</summary>
    private void EnsureRing()
    {
        if (_seqOf.Length == 0)
        {
            _data = new byte[Slots * MaxPayload];
            _length = new short[Slots];
            _type = new byte[Slots];
            _seqOf = new long[Slots];
            Array.Fill(_seqOf, -1);
        }
    }

    /// <summary>Frees the ring when the stream ends; counters stay readable.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _data = [];
            _length = [];
            _type = [];
            _seqOf = [];
            _count = 0;
            _primed = false;
            _next = -1;
        }
    }

    /// <summary>Distinct packets that arrived (on time or late).</summary>
    public long Received { get; private set; }

    /// <summary>Network loss: expected (highest − first + 1) minus received, never negative.</summary>
    public long Lost
    {
        get
        {
            lock (_gate)
            {
                return _first < 0 ? 0 : Math.Max(0, _highest - _first + 1 - Received);
            }
        }
    }

    /// <summary>Packets that arrived after their playout time.</summary>
    public long Late { get; private set; }

    /// <summary>Packets that arrived but were not played: late ones plus those pushed out by a reader too far behind.</summary>
    public long Discarded => Late + Overrun;

    /// <summary>Packets dropped because the ring was full (the reader fell behind by more than the ring).</summary>
    public long Overrun { get; private set; }

    /// <summary>Ticks that found no frame to play after priming (concealed with silence).</summary>
    public long Gaps { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Put(ushort sequence, byte payloadType, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload)
        {
            payload = payload[..MaxPayload];
        }

        lock (_gate)
        {
            EnsureRing();
            var ext = Extend(sequence);
            var slot = (int)(ext & (Slots - 1));
            if (_seqOf[slot] == ext)
            {
                return; // duplicate
            }

            if (_first < 0 || ext < _first)
            {
                _first = ext;
            }

            Received++;
            if (_primed && ext < _next)
            {
                Late++;
                return;
            }

            if (_next >= 0 && ext >= _next + Slots)
            {
                // The reader is a whole ring behind: move its start up, dropping what it can no longer reach.
                var newNext = ext - Slots + 1;
                for (var s = _next; s < newNext && _count > 0; s++)
                {
                    var i = (int)(s & (Slots - 1));
                    if (_seqOf[i] == s)
                    {
                        _seqOf[i] = -1;
                        _count--;
                        Overrun++;
                    }
                }

                _next = newNext;
            }
            else if (_seqOf[slot] >= 0)
            {
                _count--; // a stale entry a ring ago
                Overrun++;
            }

            payload.CopyTo(_data.AsSpan(slot * MaxPayload, MaxPayload));
            _length[slot] = (short)payload.Length;
            _type[slot] = payloadType;
            _seqOf[slot] = ext;
            _count++;
            if (!_primed && (_next < 0 || ext < _next))
            {
                _next = ext;
            }
        }
    }

    /// <summary>
    /// Copies the next frame in order into <paramref name="destination"/> and returns its length; −1 for a gap, an
    /// underrun or before priming.
    /// </summary>
    public int Take(Span<byte> destination, out byte payloadType)
    {
        payloadType = 0;
        lock (_gate)
        {
            if (_count == 0 && !_primed)
            {
                return -1;
            }

            if (!_primed)
            {
                if (_count < _depth)
                {
                    return -1;
                }

                _primed = true;
                _next = Earliest();
            }

            if (_count == 0)
            {
                _primed = false; // underrun: re-prime instead of playing silence as if it were loss
                _next = -1;
                return -1;
            }

            var slot = (int)(_next & (Slots - 1));
            if (_seqOf[slot] != _next)
            {
                if (_count < _depth)
                {
                    Gaps++; // wait for the late or reordered packet (silence this tick) until depth packets queue behind it
                    return -1;
                }

                _next = Earliest(); // enough buffered behind the hole: skip it
                slot = (int)(_next & (Slots - 1));
            }

            var n = Math.Min((int)_length[slot], destination.Length);
            _data.AsSpan(slot * MaxPayload, n).CopyTo(destination);
            payloadType = _type[slot];
            _seqOf[slot] = -1;
            _count--;
            _next++;
            return n;
        }
    }

    private long Earliest()
    {
        var best = long.MaxValue;
        foreach (var s in _seqOf)
        {
            if (s >= 0 && s < best)
            {
                best = s;
            }
        }

        return best == long.MaxValue ? _next : best;
    }

    private long Extend(ushort seq)
    {
        if (_highest < 0)
        {
            _highest = seq + 65536L; // start one cycle up so a reordered packet just before the first stays positive
            return _highest;
        }

        var cycle = _highest & ~0xFFFFL;
        var candidate = cycle | seq;
        if (candidate - _highest > 32768)
        {
            candidate -= 65536;
        }
        else if (_highest - candidate > 32768)
        {
            candidate += 65536;
        }

        if (candidate > _highest)
        {
            _highest = candidate;
        }

        return candidate;
    }
}
