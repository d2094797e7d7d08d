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

/// <summary>
/// Writes an 8 kHz 16-bit WAV of one or two channels as frames arrive (录音). Frames are gathered in memory and the file
/// is created, written and closed by <see cref="DiskWriter"/>'s thread, so neither the call's signalling nor the media
/// clock ever waits for the disk. The header is fixed when the writer completes.
/// </summary>
internal sealed class WavWriter : IDisposable
{
    private const int ChunkBytes = 32 * 1024;
    private readonly int _channels;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _chunk; // rented with the first frame: calls that end before media cost no buffer
    private int _fill;
    private long _dataBytes;
    private bool _completed;
    private FileStream? _stream; // the disk thread's alone

    public WavWriter(string path, int channels)
    {
        Path_ = path;
        _channels = channels;
    }

    public string Path_ { get; }

    public TimeSpan Duration => TimeSpan.FromSeconds(_dataBytes / 2.0 / _channels / 8000);

    /// <summary>Completes once the file is closed with its header (or writing it failed, see <see cref="Failed"/>).</summary>
    public Task Closed => _closed.Task;

    public string? Failed { get; private set; }

    /// <summary>When set, completing a writer that never received a sample creates no file (see <see cref="Empty"/>).</summary>
    public bool SkipIfEmpty { get; init; }

    /// <summary>True when <see cref="SkipIfEmpty"/> applied: there is no file.</summary>
    public bool Empty { get; private set; }

    /// <summary>Writes one frame; for stereo, left and right are interleaved (missing side = silence).</summary>
    public void Write(ReadOnlySpan<short> left, ReadOnlySpan<short> right = default)
    {
        if (_completed)
        {
            return;
        }

        var n = Math.Max(left.Length, right.Length);
        var bytes = n * 2 * _channels;
        _chunk ??= System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkBytes);
        if (_fill + bytes > _chunk.Length)
        {
            Flush();
        }

        var buf = _chunk.AsSpan(_fill, bytes);
        if (BitConverter.IsLittleEndian && _channels == 1 && left.Length == n)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(left).CopyTo(buf); // PCM16LE is the memory layout
        }
        else if (BitConverter.IsLittleEndian && _channels == 2 && left.Length == n && right.Length == n)
        {
            var o = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(buf);
            for (var i = 0; i < n; i++)
            {
                o[2 * i] = left[i];
                o[(2 * i) + 1] = right[i];
            }
        }
        else if (_channels == 1)
        {
            for (var i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(buf[(i * 2)..], i < left.Length ? left[i] : (short)0);
            }
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(buf[(i * 4)..], i < left.Length ? left[i] : (short)0);
                BinaryPrimitives.WriteInt16LittleEndian(buf[((i * 4) + 2)..], i < right.Length ? right[i] : (short)0);
            }
        }

        _fill += bytes;
        _dataBytes += bytes;
    }

    /// <summary>Writes frames already in the file's layout (for stereo, left and right interleaved), any number of them.</summary>
    public void WriteInterleaved(ReadOnlySpan<short> samples)
    {
        if (_completed)
        {
            return;
        }

        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("WAV data is little-endian PCM16");
        }

        while (!bytes.IsEmpty)
        {
            _chunk ??= System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkBytes);
            if (_fill == _chunk.Length)
            {
                Flush();
            }

            var n = Math.Min(bytes.Length, _chunk.Length - _fill);
            bytes[..n].CopyTo(_chunk.AsSpan(_fill));
            _fill += n;
            _dataBytes += n;
            bytes = bytes[n..];
        }
    }

    private void Flush()
    {
        var full = _chunk!;
        var len = _fill;
        _chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkBytes);
        _fill = 0;
        DiskWriter.Instance.Enqueue(new DiskWriter.Op(this, full, len, Close: false));
    }

    /// <summary>Hands the rest to the disk thread and closes the file there; await <see cref="Closed"/> to know it is done.</summary>
    public Task CompleteAsync()
    {
        if (!_completed && SkipIfEmpty && _dataBytes == 0)
        {
            // Nothing was ever written (a call that ended before any audio): no file, no disk operation.
            _completed = true;
            Empty = true;
            if (_chunk is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_chunk);
                _chunk = null;
            }

            _closed.TrySetResult();
        }

        if (!_completed)
        {
            _completed = true;
            var last = _chunk;
            var len = _fill;
            _chunk = null;
            _fill = 0;
            DiskWriter.Instance.Enqueue(new DiskWriter.Op(this, last, len, Close: true));
        }

        return _closed.Task;
    }

    /// <summary>Completes and waits for the file (for callers off the hot path, such as tests).</summary>
    public void Dispose() => CompleteAsync().GetAwaiter().GetResult();

    /// <summary>Runs on the disk thread.</summary>
    internal void Apply(byte[]? data, int length, bool close)
    {
        try
        {
            if (_stream is null && Failed is null)
            {
                DiskWriter.EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(Path_))!);
                _stream = new FileStream(Path_, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
                _stream.Write(new byte[44]);
            }

            if (data is not null)
            {
                _stream?.Write(data, 0, length);
            }
            if (close && _stream is not null)
            {
                _stream.Position = 0;
                _stream.Write(Header());
                _stream.Dispose();
                _stream = null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Failed = ex.Message;
            _stream?.Dispose();
            _stream = null;
        }
        finally
        {
            if (data is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(data);
            }
            if (close)
            {
                _closed.TrySetResult();
            }
        }
    }

    private byte[] Header()
    {
        var h = new byte[44];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), (int)(36 + _dataBytes));
        "WAVEfmt "u8.CopyTo(h.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(22), (short)_channels);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(24), 8000);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(28), 8000 * 2 * _channels);
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(32), (short)(2 * _channels));
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(34), 16);
        "data"u8.CopyTo(h.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(40), (int)_dataBytes);
        return h;
    }
}

/// <summary>
/// The one thread that touches recording files: creates folders, opens, appends and closes, in the order
/// the calls handed the work over. Keeps file system latency off SIP handling and the media clock.
/// </summary>
internal sealed class DiskWriter
{
    private readonly System.Collections.Concurrent.BlockingCollection<Op> _ops = new();

    private DiskWriter()
    {
        new Thread(Run) { IsBackground = true, Name = "hotline-recording-disk" }.Start();
    }

    public static DiskWriter Instance { get; } = new();

    /// <summary>Operations waiting for the disk.</summary>
    public int Pending => _ops.Count;

    public void Enqueue(Op op) => _ops.Add(op);

    public static void EnsureDirectory(string folder) => Directory.CreateDirectory(folder);

    private void Run()
    {
        foreach (var op in _ops.GetConsumingEnumerable())
        {
            op.Writer.Apply(op.Data, op.Length, op.Close);
        }
    }

    /// <summary>One write (and maybe close) for one file.</summary>
    internal readonly record struct Op(WavWriter Writer, byte[]? Data, int Length, bool Close);
}
