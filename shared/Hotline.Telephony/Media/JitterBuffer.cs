namespace Hotline.Telephony.Media;

/// <summary>
/// A small fixed-delay jitter buffer for one RTP stream: packets are reordered by sequence number, duplicates and late
/// packets dropped, and one frame is taken per 20 ms tick once the buffer has primed to its depth.
/// </summary>
internal sealed class JitterBuffer
{
    private readonly SortedList<int, byte[]> _frames = [];
    private readonly int _depth;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private int? _nextSeq;
    private bool _primed;
    private int _highestExtended = -1;
    private int _cycles;

    public JitterBuffer(int depth = 3, int capacity = 50)
    {
        _depth = depth;
        _capacity = capacity;
    }

    public long Received { get; private set; }

    public long Lost { get; private set; }

    public long Late { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count;
            }
        }
    }

    public void Put(ushort sequence, byte[] payload)
    {
        lock (_gate)
        {
            var ext = Extend(sequence);
            if (_nextSeq is { } next && ext < next)
            {
                Late++;
                return;
            }

            if (_frames.ContainsKey(ext))
            {
                return;
            }

            Received++;
            _frames[ext] = payload;
            while (_frames.Count > _capacity)
            {
                _frames.RemoveAt(0);
            }
        }
    }

    /// <summary>The next frame in order, or null for a gap (or before priming).</summary>
    public byte[]? Take()
    {
        lock (_gate)
        {
            if (!_primed)
            {
                if (_frames.Count < _depth)
                {
                    return null;
                }

                _primed = true;
                _nextSeq = _frames.Keys[0];
            }

            if (_frames.Count == 0)
            {
                _primed = false; // underrun: re-prime instead of counting silence as loss
                return null;
            }

            var next = _nextSeq!.Value;
            if (_frames.Keys[0] > next && _frames.Count < _depth)
            {
                _nextSeq = next + 1;
                Lost++;
                return null;
            }

            var key = _frames.Keys[0];
            if (key > next)
            {
                Lost += key - next;
            }

            var frame = _frames.Values[0];
            _frames.RemoveAt(0);
            _nextSeq = key + 1;
            return frame;
        }
    }

    private int Extend(ushort seq)
    {
        if (_highestExtended < 0)
        {
            _highestExtended = seq;
            return seq;
        }

        var highest16 = _highestExtended & 0xFFFF;
        var candidate = (_cycles << 16) | seq;
        if (seq < 0x4000 && highest16 > 0xC000)
        {
            candidate = ((_cycles + 1) << 16) | seq;
        }
        else if (seq > 0xC000 && highest16 < 0x4000 && _cycles > 0)
        {
            candidate = ((_cycles - 1) << 16) | seq;
        }

        if (candidate > _highestExtended)
        {
            _highestExtended = candidate;
            _cycles = candidate >> 16;
        }

        return candidate;
    }
}
