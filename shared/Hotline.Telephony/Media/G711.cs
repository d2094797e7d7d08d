namespace Hotline.Telephony.Media;

/// <summary>ITU-T G.711 µ-law (PCMU, PT 0) and A-law (PCMA, PT 8) with table-driven decode.</summary>
internal static class G711
{
    private static readonly short[] UlawTable = BuildTable(DecodeUlawSlow);
    private static readonly short[] AlawTable = BuildTable(DecodeAlawSlow);
    private static readonly byte[] UlawEncodeTable = BuildEncodeTable(EncodeUlaw);
    private static readonly byte[] AlawEncodeTable = BuildEncodeTable(EncodeAlaw);
    private static readonly byte[] AlawToUlawTable = BuildTranscodeTable(AlawTable, EncodeUlaw);
    private static readonly byte[] UlawToAlawTable = BuildTranscodeTable(UlawTable, EncodeAlaw);

    public static short DecodeUlaw(byte b) => UlawTable[b];

    public static short DecodeAlaw(byte b) => AlawTable[b];

    public static byte EncodeUlaw(short pcm)
    {
        const int Bias = 0x84, Clip = 32635;
        var sample = (int)pcm;
        var sign = (sample >> 8) & 0x80;
        if (sign != 0)
        {
            sample = -sample;
        }

        if (sample > Clip)
        {
            sample = Clip;
        }

        sample += Bias;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1)
        {
            exponent--;
        }

        var mantissa = (sample >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static byte EncodeAlaw(short pcm)
    {
        var sample = (int)pcm;
        var sign = sample >= 0 ? 0x80 : 0;
        if (sample < 0)
        {
            sample = -sample - 1;
        }

        if (sample > 32767)
        {
            sample = 32767;
        }

        int compressed;
        if (sample >= 256)
        {
            var exponent = 7;
            for (var mask = 0x4000; (sample & mask) == 0 && exponent > 1; mask >>= 1)
            {
                exponent--;
            }

            var mantissa = (sample >> (exponent + 3)) & 0x0F;
            compressed = (exponent << 4) | mantissa;
        }
        else
        {
            compressed = sample >> 4;
        }

        return (byte)((compressed | sign) ^ 0x55);
    }

    public static void Decode(int payloadType, ReadOnlySpan<byte> payload, Span<short> pcm)
    {
        var table = payloadType == 8 ? AlawTable : UlawTable;
        for (var i = 0; i < payload.Length && i < pcm.Length; i++)
        {
            pcm[i] = table[payload[i]];
        }
    }

    /// <summary>Encodes a frame by table lookup (64 KiB per law), the hot path of every bridged call.</summary>
    public static void Encode(int payloadType, ReadOnlySpan<short> pcm, Span<byte> payload)
    {
        var table = payloadType == 8 ? AlawEncodeTable : UlawEncodeTable;
        for (var i = 0; i < pcm.Length; i++)
        {
            payload[i] = table[pcm[i] + 32768];
        }
    }

    /// <summary>The decode table of a payload type (8 = A-law, else µ-law): 256 samples indexed by code.</summary>
    public static ReadOnlySpan<short> DecodeTable(int payloadType) => payloadType == 8 ? AlawTable : UlawTable;

    /// <summary>
    /// Rewrites G.711 codes from one law to the other (PCMA ↔ PCMU) by one 256-entry table, as a relay between legs
    /// with different codecs needs: the same as decoding and re-encoding, without the 16-bit detour.
    /// </summary>
    public static void Transcode(int fromPayloadType, int toPayloadType, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (fromPayloadType == toPayloadType)
        {
            source.CopyTo(destination);
            return;
        }

        var table = fromPayloadType == 8 ? AlawToUlawTable : UlawToAlawTable;
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static byte[] BuildTranscodeTable(short[] decode, Func<short, byte> encode)
    {
        var t = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            t[i] = encode(decode[i]);
        }

        return t;
    }

    private static byte[] BuildEncodeTable(Func<short, byte> f)
    {
        var t = new byte[65536];
        for (var i = 0; i < 65536; i++)
        {
            t[i] = f((short)(i - 32768));
        }

        return t;
    }

    private static short[] BuildTable(Func<byte, short> f)
    {
        var t = new short[256];
        for (var i = 0; i < 256; i++)
        {
            t[i] = f((byte)i);
        }

        return t;
    }

    private static short DecodeUlawSlow(byte b)
    {
        var u = ~b & 0xFF;
        var sign = u & 0x80;
        var exponent = (u >> 4) & 0x07;
        var mantissa = u & 0x0F;
        var sample = (((mantissa << 3) + 0x84) << exponent) - 0x84;
        return (short)(sign != 0 ? -sample : sample);
    }

    private static short DecodeAlawSlow(byte b)
    {
        var a = b ^ 0x55;
        var sign = a & 0x80;
        var exponent = (a >> 4) & 0x07;
        var mantissa = a & 0x0F;
        var sample = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
        return (short)(sign != 0 ? sample : -sample);
    }
}
