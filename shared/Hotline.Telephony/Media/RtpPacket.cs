using System.Buffers.Binary;

namespace Hotline.Telephony.Media;

/// <summary>An RTP packet (RFC 3550 §5.1) without header extensions written; CSRC and extensions skipped on read.</summary>
internal readonly record struct RtpPacket(int PayloadType, bool Marker, ushort Sequence, uint Timestamp, uint Ssrc, ReadOnlyMemory<byte> Payload)
{
    public static bool TryParse(ReadOnlyMemory<byte> data, out RtpPacket packet)
    {
        packet = default;
        var s = data.Span;
        if (s.Length < 12 || (s[0] >> 6) != 2)
        {
            return false;
        }

        var pt = s[1] & 0x7F;
        if (pt is >= 72 and <= 76)
        {
            return false; // RTCP multiplexed on the same port (RFC 5761)
        }

        var offset = 12 + ((s[0] & 0x0F) * 4);
        if ((s[0] & 0x10) != 0)
        {
            if (s.Length < offset + 4)
            {
                return false;
            }

            offset += 4 + (BinaryPrimitives.ReadUInt16BigEndian(s[(offset + 2)..]) * 4);
        }

        var end = s.Length;
        if ((s[0] & 0x20) != 0 && end > offset)
        {
            end -= s[end - 1];
        }

        if (offset > end)
        {
            return false;
        }

        packet = new RtpPacket(pt, (s[1] & 0x80) != 0, BinaryPrimitives.ReadUInt16BigEndian(s[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(s[4..]), BinaryPrimitives.ReadUInt32BigEndian(s[8..]), data[offset..end]);
        return true;
    }

    public static int Write(Span<byte> buffer, int payloadType, bool marker, ushort sequence, uint timestamp, uint ssrc, ReadOnlySpan<byte> payload)
    {
        buffer[0] = 0x80;
        buffer[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], ssrc);
        payload.CopyTo(buffer[12..]);
        return 12 + payload.Length;
    }
}

/// <summary>An RFC 4733 telephone-event payload.</summary>
internal readonly record struct DtmfEvent(byte Event, bool End, int Volume, int Duration)
{
    public static bool TryParse(ReadOnlySpan<byte> p, out DtmfEvent e)
    {
        e = default;
        if (p.Length < 4 || p[0] > 15)
        {
            return false;
        }

        e = new DtmfEvent(p[0], (p[1] & 0x80) != 0, p[1] & 0x3F, BinaryPrimitives.ReadUInt16BigEndian(p[2..]));
        return true;
    }

    public char Digit => Event switch
    {
        <= 9 => (char)('0' + Event),
        10 => '*',
        11 => '#',
        _ => (char)('A' + Event - 12),
    };
}

/// <summary>
/// Turns RFC 4733 packets into digits once each: every packet of one event shares its RTP timestamp, so the timestamp
/// (per SSRC) is the dedupe key for the start, the updates and the three redundant end packets.
/// </summary>
internal sealed class DtmfDetector
{
    private uint? _lastTimestamp;
    private uint _lastSsrc;

    /// <summary>Returns the digit the first time an event is seen, else null.</summary>
    public char? Offer(in RtpPacket packet)
    {
        if (!DtmfEvent.TryParse(packet.Payload.Span, out var e))
        {
            return null;
        }

        if (_lastTimestamp == packet.Timestamp && _lastSsrc == packet.Ssrc)
        {
            return null;
        }

        _lastTimestamp = packet.Timestamp;
        _lastSsrc = packet.Ssrc;
        return e.Digit;
    }
}
