using System.Buffers.Binary;

namespace Hotline.Telephony.Media;

/// <summary>Reads 16-bit PCM WAV (mono, any rate; prompts are made at 8 kHz) into samples.</summary>
internal static class WavReader
{
    public static short[] ReadMono8k(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 44 || data[0] != 'R' || data[8] != 'W')
        {
            throw new InvalidDataException($"{path} is not a WAV file");
        }

        var pos = 12;
        int channels = 1, bits = 16;
        while (pos + 8 <= data.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(data, pos, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos + 4));
            if (id == "fmt ")
            {
                channels = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(pos + 10));
                bits = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(pos + 22));
            }
            else if (id == "data")
            {
                if (bits != 16)
                {
                    throw new InvalidDataException($"{path} is not 16-bit PCM");
                }

                size = Math.Min(size, data.Length - pos - 8);
                var frames = size / 2 / channels;
                var samples = new short[frames];
                for (var i = 0; i < frames; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(pos + 8 + (i * 2 * channels)));
                }

                return samples;
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no data chunk");
    }
}

/// <summary>Writes an 8 kHz 16-bit WAV of one or two channels as frames arrive; the header is fixed on dispose.</summary>
internal sealed class WavWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly int _channels;
    private long _dataBytes;

    public WavWriter(string path, int channels)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 16384);
        _channels = channels;
        _stream.Write(new byte[44]);
        Path_ = path;
    }

    public string Path_ { get; }

    public TimeSpan Duration => TimeSpan.FromSeconds(_dataBytes / 2.0 / _channels / 8000);

    /// <summary>Writes one frame; for stereo, left and right are interleaved (missing side = silence).</summary>
    public void Write(ReadOnlySpan<short> left, ReadOnlySpan<short> right = default)
    {
        var n = Math.Max(left.Length, right.Length);
        Span<byte> buf = stackalloc byte[n * 2 * _channels];
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(buf[(i * 2 * _channels)..], i < left.Length ? left[i] : (short)0);
            if (_channels == 2)
            {
                BinaryPrimitives.WriteInt16LittleEndian(buf[((i * 4) + 2)..], i < right.Length ? right[i] : (short)0);
            }
        }

        _stream.Write(buf);
        _dataBytes += buf.Length;
    }

    public void Dispose()
    {
        Span<byte> h = stackalloc byte[44];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], (int)(36 + _dataBytes));
        "WAVEfmt "u8.CopyTo(h[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(h[22..], (short)_channels);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], 8000);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], 8000 * 2 * _channels);
        BinaryPrimitives.WriteInt16LittleEndian(h[32..], (short)(2 * _channels));
        BinaryPrimitives.WriteInt16LittleEndian(h[34..], 16);
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[40..], (int)_dataBytes);
        _stream.Position = 0;
        _stream.Write(h);
        _stream.Dispose();
    }
}
