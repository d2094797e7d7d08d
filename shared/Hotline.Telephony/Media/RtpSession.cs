using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Hotline.Telephony.Media;

/// <summary>
/// One RTP stream endpoint (a call leg's media): a UDP socket on a free port, G.711 in and out through a jitter buffer,
/// RFC 4733 digits detected on the negotiated payload type, symmetric RTP (latches onto the source it hears).
/// </summary>
internal sealed class RtpSession : IAsyncDisposable
{
    public const int FrameSamples = 160;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly JitterBuffer _jitter = new();
    private readonly DtmfDetector _dtmf = new();
    private readonly uint _ssrc = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
    private readonly Lock _pcmGate = new();
    private readonly short[] _pcm = new short[FrameSamples * 8];
    private int _pcmCount;
    private ushort _seq = (ushort)RandomNumberGenerator.GetInt32(0, 65535);
    private uint _timestamp = (uint)RandomNumberGenerator.GetInt32(0, int.MaxValue);
    private readonly byte[] _sendBuffer = new byte[12 + FrameSamples];
    private IPEndPoint? _remote;

    public RtpSession(IPAddress bind)
    {
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(bind, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveLoop);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Codec we send (0 PCMU, 8 PCMA) and the peer's telephone-event payload type.</summary>
    public int PayloadType { get; set; }

    public int? TelephoneEvent { get; set; }

    public long PacketsSent => Interlocked.Read(ref _sent);

    public long PacketsReceived => Interlocked.Read(ref _received);

    public long AudioPacketsReceived => Interlocked.Read(ref _audioReceived);

    public long Lost => _jitter.Lost;

    public DateTimeOffset LastReceived { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>A digit from RFC 4733 (deduplicated).</summary>
    public event Action<char>? Digit;

    private long _sent;
    private long _received;
    private long _audioReceived;

    public void SetRemote(IPEndPoint remote) => _remote = remote;

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var copy = buffer.AsMemory(0, r.ReceivedBytes).ToArray();
            if (!RtpPacket.TryParse(copy, out var p))
            {
                continue;
            }

            Interlocked.Increment(ref _received);
            LastReceived = DateTimeOffset.UtcNow;
            _remote = (IPEndPoint)r.RemoteEndPoint; // symmetric RTP
            if (p.PayloadType is 0 or 8)
            {
                Interlocked.Increment(ref _audioReceived);
                _jitter.Put(p.Sequence, PayloadTypeTagged(p));
            }
            else if (p.PayloadType == TelephoneEvent || (p.PayloadType >= 96 && p.Payload.Length == 4))
            {
                // SIPp's play_dtmf uses PT 96 whatever the SDP said, so a 4-byte dynamic payload is read as an event too.
                if (_dtmf.Offer(p) is { } digit)
                {
                    Digit?.Invoke(digit);
                }
            }
        }
    }

    private static byte[] PayloadTypeTagged(in RtpPacket p)
    {
        var b = new byte[p.Payload.Length + 1];
        b[0] = (byte)p.PayloadType;
        p.Payload.Span.CopyTo(b.AsSpan(1));
        return b;
    }

    /// <summary>Fills one 20 ms frame of received audio; false (and silence) when none is buffered.</summary>
    public bool ReadFrame(Span<short> frame)
    {
        lock (_pcmGate)
        {
            while (_pcmCount < FrameSamples)
            {
                var payload = _jitter.Take();
                if (payload is null)
                {
                    break;
                }

                var n = Math.Min(payload.Length - 1, _pcm.Length - _pcmCount);
                G711.Decode(payload[0], payload.AsSpan(1, n), _pcm.AsSpan(_pcmCount, n));
                _pcmCount += n;
            }

            if (_pcmCount < FrameSamples)
            {
                frame.Clear();
                return false;
            }

            _pcm.AsSpan(0, FrameSamples).CopyTo(frame);
            _pcm.AsSpan(FrameSamples, _pcmCount - FrameSamples).CopyTo(_pcm);
            _pcmCount -= FrameSamples;
            return true;
        }
    }

    /// <summary>Encodes and sends one 20 ms frame.</summary>
    public void SendFrame(ReadOnlySpan<short> frame)
    {
        var remote = _remote;
        if (remote is null)
        {
            return;
        }

        Span<byte> payload = stackalloc byte[FrameSamples];
        G711.Encode(PayloadType, frame[..FrameSamples], payload);
        var n = RtpPacket.Write(_sendBuffer, PayloadType, false, _seq++, _timestamp, _ssrc, payload);
        _timestamp += FrameSamples;
        try
        {
            _socket.SendTo(_sendBuffer.AsSpan(0, n), SocketFlags.None, remote);
            Interlocked.Increment(ref _sent);
        }
        catch (SocketException)
        {
            // peer gone; the RTP timeout or BYE ends the call
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int _disposed;
}

/// <summary>Anything the media clock drives every 20 ms.</summary>
internal interface IMediaTicker
{
    void Tick();
}

/// <summary>
/// The 20 ms media clock shared by every call: one pacing thread per core, each call pinned to one of them when added,
/// catching up when late, so packets keep their cadence under load without one timer per call.
/// </summary>
internal sealed class MediaClock : IAsyncDisposable
{
    private readonly Shard[] _shards;
    private int _next;

    public MediaClock(int? threads = null)
    {
        _shards = new Shard[Math.Clamp(threads ?? Environment.ProcessorCount, 1, 16)];
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard(i);
        }
    }

    public long LateTicks => _shards.Sum(s => s.LateTicks);

    public int Count => _shards.Sum(s => s.Count);

    public void Add(IMediaTicker t) => _shards[(int)((uint)Interlocked.Increment(ref _next) % (uint)_shards.Length)].Add(t);

    public void Remove(IMediaTicker t)
    {
        foreach (var s in _shards)
        {
            s.Remove(t);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var s in _shards)
        {
            s.Stop();
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Shard
    {
        private readonly Lock _gate = new();
        private readonly HashSet<IMediaTicker> _set = new(ReferenceEqualityComparer.Instance);
        private readonly Thread _thread;
        private IMediaTicker[] _tickers = [];
        private volatile bool _dirty;
        private volatile bool _stopping;

        public Shard(int index)
        {
            // Dedicated threads: pacing must not wait behind SIP work on the thread pool, nor hold pool threads.
            _thread = new Thread(Run) { IsBackground = true, Name = $"hotline-media-clock-{index}", Priority = ThreadPriority.AboveNormal };
            _thread.Start();
        }

        public long LateTicks { get; private set; }

        public int Count => Snapshot().Length;

        public void Add(IMediaTicker t)
        {
            lock (_gate)
            {
                _set.Add(t);
                _dirty = true;
            }
        }

        public void Remove(IMediaTicker t)
        {
            lock (_gate)
            {
                if (_set.Remove(t))
                {
                    _dirty = true;
                }
            }
        }

        public void Stop()
        {
            _stopping = true;
            _thread.Join();
        }

        /// <summary>The tickers as of this tick; rebuilt at most once per tick however many calls come and go.</summary>
        private IMediaTicker[] Snapshot()
        {
            if (_dirty)
            {
                lock (_gate)
                {
                    _tickers = [.. _set];
                    _dirty = false;
                }
            }

            return _tickers;
        }

        private void Run()
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            long done = 0;
            while (!_stopping)
            {
                var due = sw.ElapsedMilliseconds / 20;
                if (due - done > 5)
                {
                    LateTicks += due - done - 1;
                    done = due - 1; // too far behind: skip rather than burst
                }

                while (done < due)
                {
                    done++;
                    foreach (var t in Snapshot())
                    {
                        try
                        {
                            t.Tick();
                        }
#pragma warning disable CA1031 // one call's failure must not stop everyone's audio
                        catch (Exception)
#pragma warning restore CA1031
                        {
                        }
                    }
                }

                var next = ((done + 1) * 20) - sw.ElapsedMilliseconds;
                if (next > 1)
                {
                    Thread.Sleep((int)Math.Min(next - 1, 20));
                }
            }
        }
    }
}
