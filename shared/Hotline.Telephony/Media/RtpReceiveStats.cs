namespace Hotline.Telephony.Media;

/// <summary>
/// Reception statistics of one RTP stream as RFC 3550 §6.4.1 and appendix A.3 define them, kept on receipt whatever
/// then happens to the packet (played through the jitter buffer or relayed at once to the bridged leg): the extended
/// highest sequence number, the first one, and the packets received, with duplicates among the last 64 sequence
/// numbers counted once. <see cref="Lost"/> = expected − received, never negative. One writer (the port's receive
/// thread); readers on other threads see a consistent enough snapshot for counters.
/// </summary>
internal sealed class RtpReceiveStats
{
    private const int Window = 64;
    private long _first = -1;
    private long _highest = -1;
    private ulong _seen; // bit i: highest − i arrived
    private long _received;

    /// <summary>Distinct packets received.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Expected (highest − first + 1) minus received, never negative.</summary>
    public long Lost
    {
        get
        {
            var first = Volatile.Read(ref _first);
            return first < 0 ? 0 : Math.Max(0, Volatile.Read(ref _highest) - first + 1 - Volatile.Read(ref _received));
        }
    }

    /// <summary>Counts one packet; false for a duplicate of one of the last 64.</summary>
    public bool Add(ushort sequence)
    {
        if (_highest < 0)
        {
            _highest = sequence + 65536L; // one cycle up, so a reordered packet just before the first stays positive
            _first = _highest;
            _seen = 1;
            Volatile.Write(ref _received, 1);
            return true;
        }

        var cycle = _highest & ~0xFFFFL;
        var ext = cycle | sequence;
        if (ext - _highest > 32768)
        {
            ext -= 65536;
        }
        else if (_highest - ext > 32768)
        {
            ext += 65536;
        }

        if (ext > _highest)
        {
            var shift = ext - _highest;
            _seen = shift >= Window ? 1UL : (_seen << (int)shift) | 1UL;
            Volatile.Write(ref _highest, ext);
        }
        else
        {
            var back = _highest - ext;
            if (back < Window)
            {
                var bit = 1UL << (int)back;
                if ((_seen & bit) != 0)
                {
                    return false;
                }

                _seen |= bit;
            }

            if (ext < _first)
            {
                Volatile.Write(ref _first, ext);
            }
        }

        Volatile.Write(ref _received, _received + 1);
        return true;
    }
}
