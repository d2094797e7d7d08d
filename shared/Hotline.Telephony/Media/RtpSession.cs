using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Hotline.Telephony.Media;

/// <summary>
/// One RTP stream endpoint (a call leg's media): a UDP port rented from the <see cref="RtpPortPool"/> (no socket is
/// opened on the call's path), G.711 in and out through a jitter buffer, RFC 4733 digits detected on the negotiated
/// payload type, symmetric RTP (latches onto the source it hears). Receiving and sending allocate nothing per packet.
/// While bridged (<see cref="RelayTo"/>), each received packet is relayed to the other leg at once (桥接转发: header
/// rewritten to that leg's own continuous stream, payload transcoded by table if the legs' laws differ) and written
/// into the call's <see cref="StereoRecorder"/>; the jitter buffer and the media clock are then not involved.
/// </summary>
internal sealed class RtpSession : IAsyncDisposable, IRtpReceiver
{
    public const int FrameSamples = 160;

    /// <summary>Largest payload relayed (60 ms of G.711 and some); larger packets are not relayed.</summary>
    public const int MaxRelayPayload = 1200;
    private readonly RtpPortPool? _pool;
    private readonly RtpPort _port;
    private readonly JitterBuffer _jitter = new();
    private readonly DtmfDetector _dtmf = new();
    private readonly uint _ssrc = (uint)Random.Shared.NextInt64(0, uint.MaxValue);
    private readonly Lock _pcmGate = new();
    private short[]? _pcm; // decoded audio waiting to be read in frames; allocated with the first frame read
    private int _pcmCount;
    private ushort _seq = (ushort)Random.Shared.Next(0, 65535);
    private uint _timestamp = (uint)Random.Shared.Next(0, int.MaxValue);
    private readonly Lock _sendGate = new();
    private readonly RtpReceiveStats _stats = new();
    private volatile Relay? _relay;
    private bool _relayAnchored; // the next relayed packet re-anchors the sequence/timestamp offsets
    private uint _relaySourceSsrc;
    private ushort _relaySeqOffset;
    private uint _relayTsOffset;
    private long _lastSentTicks = -1; // when we last sent (Environment.TickCount64)
    private volatile RemoteAddress? _remote;
    private long _lastReceivedTicks = Environment.TickCount64;

    /// <summary>A session on its own new port (tests and callers without a pool).</summary>
    public RtpSession(IPAddress bind)
        : this(null, RtpPort.Open(bind))
    {
    }

    /// <summary>A session on a port rented from <paramref name="pool"/>; disposing returns the port.</summary>
    public RtpSession(RtpPortPool pool)
        : this(pool, pool.Rent())
    {
    }

    private RtpSession(RtpPortPool? pool, RtpPort port)
    {
        _pool = pool;
        _port = port;
        LocalEndPoint = port.LocalEndPoint;
        port.Attach(this);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Codec we send (0 PCMU, 8 PCMA) and the peer's telephone-event payload type.</summary>
    public int PayloadType { get; set; }

    public int? TelephoneEvent { get; set; }

    public long PacketsSent => Interlocked.Read(ref _sent);

    public long PacketsReceived => Interlocked.Read(ref _received);

    public long AudioPacketsReceived => Interlocked.Read(ref _audioReceived);

    /// <summary>Network loss of the audio stream (RFC 3550 expected minus received), counted on receipt.</summary>
    public long Lost => _stats.Lost;

    /// <summary>Packets relayed to the bridged leg (see <see cref="RelayTo"/>).</summary>
    public long PacketsRelayed => Interlocked.Read(ref _relayed);

    /// <summary>True while received packets are relayed to another leg instead of buffered for the media clock.</summary>
    public bool Relaying => _relay is not null;

    /// <summary>Audio that arrived but was not played (late for its playout time, or the clock fell a ring behind).</summary>
    public long Discarded => _jitter.Discarded;

    /// <summary>When RTP last arrived (monotonic milliseconds, <see cref="Environment.TickCount64"/>).</summary>
    public long LastReceivedTicks => Interlocked.Read(ref _lastReceivedTicks);

    /// <summary>A digit from RFC 4733 (deduplicated).</summary>
    public event Action<char>? Digit;

    private long _sent;
    private long _received;
    private long _audioReceived;
    private long _relayed;
    private int _disposed;

    public void SetRemote(IPEndPoint remote) => _remote = new RemoteAddress(remote);

    /// <summary>
    /// Bridges this leg's received media to <paramref name="peer"/>: from now on each audio packet is sent on at once
    /// from the peer's port, and written into <paramref name="recorder"/>'s <paramref name="channel"/> (0 left, 1 right)
    /// when there is one; RFC 4733 events are still detected here and relayed with the peer's event payload type.
    /// </summary>
    public void RelayTo(RtpSession peer, StereoRecorder? recorder, int channel) => _relay = new Relay(peer, recorder, channel);

    /// <summary>Ends the bridge: received audio goes to the jitter buffer for the media clock again.</summary>
    public void StopRelay() => _relay = null;

    /// <summary>One datagram from the port's receive loop (the address buffer is reused by the loop).</summary>
    public void OnDatagram(ReadOnlyMemory<byte> data, SocketAddress from)
    {
        if (!RtpPacket.TryParse(data, out var p))
        {
            return;
        }

        Interlocked.Increment(ref _received);
        Interlocked.Exchange(ref _lastReceivedTicks, Environment.TickCount64);
        var remote = _remote;
        if (remote is null || !remote.Matches(from))
        {
            _remote = new RemoteAddress(from); // symmetric RTP
        }

        var relay = _relay;
        if (p.PayloadType is 0 or 8)
        {
            Interlocked.Increment(ref _audioReceived);
            if (!_stats.Add(p.Sequence))
            {
                return; // duplicate
            }

            if (relay is null)
            {
                _jitter.Put(p.Sequence, (byte)p.PayloadType, p.Payload.Span);
                return;
            }

            if (relay.Peer.SendRelayed(p, audio: true))
            {
                Interlocked.Increment(ref _relayed);
            }

            relay.Recorder?.Write(relay.Channel, p.Ssrc, p.Timestamp, p.PayloadType, p.Payload.Span);
        }
        else if (p.PayloadType == TelephoneEvent || (p.PayloadType >= 96 && p.Payload.Length == 4))
        {
            // SIPp's play_dtmf uses PT 96 whatever the SDP said, so a 4-byte dynamic payload is read as an event too.
            if (_dtmf.Offer(p) is { } digit)
            {
                Digit?.Invoke(digit);
            }

            if (relay is not null && relay.Peer.SendRelayed(p, audio: false))
            {
                Interlocked.Increment(ref _relayed);
            }
        }
    }

    /// <summary>
    /// Sends a packet received on the bridged leg from this leg's port, as part of this leg's own stream: our SSRC, and
    /// sequence numbers and timestamps shifted by offsets fixed when relaying (re)starts, so they continue what we sent
    /// before (prompts, music on hold) and keep the source's gaps and order. Audio is transcoded to our payload type by
    /// table when the laws differ; events take the payload type the peer negotiated (not relayed without one).
    /// </summary>
    private bool SendRelayed(in RtpPacket p, bool audio)
    {
        var payloadType = audio ? PayloadType : TelephoneEvent ?? -1;
        var payload = p.Payload.Span;
        var remote = _remote;
        if (payloadType < 0 || remote is null || payload.Length > MaxRelayPayload || Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        Span<byte> packet = stackalloc byte[12 + MaxRelayPayload]; // on the stack: a call that carries no audio allocates none
        lock (_sendGate)
        {
            var marker = p.Marker;
            if (!_relayAnchored || _relaySourceSsrc != p.Ssrc)
            {
                // Continue our stream: next sequence number, and a timestamp that also counts the time since our last packet.
                var idle = _lastSentTicks < 0 ? 0 : (Environment.TickCount64 - _lastSentTicks) * 8;
                var gap = (uint)Math.Clamp((idle / FrameSamples) - 1, 0, 8000 * 60 / FrameSamples) * FrameSamples;
                _relaySeqOffset = (ushort)(_seq - p.Sequence);
                _relayTsOffset = _timestamp + gap - p.Timestamp;
                _relaySourceSsrc = p.Ssrc;
                _relayAnchored = true;
                marker = true;
            }

            var seq = (ushort)(p.Sequence + _relaySeqOffset);
            var ts = p.Timestamp + _relayTsOffset;
            packet[0] = 0x80;
            packet[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet[2..], seq);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet[4..], ts);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet[8..], _ssrc);
            if (audio)
            {
                G711.Transcode(p.PayloadType, payloadType, payload, packet[12..]);
            }
            else
            {
                payload.CopyTo(packet[12..]);
            }

            if ((short)(ushort)(seq + 1 - _seq) > 0)
            {
                _seq = (ushort)(seq + 1); // the clock's frames, should they resume, continue after the newest relayed
            }

            if (audio && (int)(ts + (uint)payload.Length - _timestamp) > 0)
            {
                _timestamp = ts + (uint)payload.Length;
            }

            _lastSentTicks = Environment.TickCount64;
            if (!_port.Send(packet[..(12 + payload.Length)], remote.Address))
            {
                return false;
            }
        }

        Interlocked.Increment(ref _sent);
        return true;
    }

    /// <summary>Fills one 20 ms frame of received audio; false (and silence) when none is buffered.</summary>
    public bool ReadFrame(Span<short> frame)
    {
        Span<byte> payload = stackalloc byte[JitterBuffer.MaxPayload];
        lock (_pcmGate)
        {
            var pcm = _pcm ??= new short[FrameSamples * 8];
            while (_pcmCount < FrameSamples)
            {
                var n = _jitter.Take(payload, out var pt);
                if (n < 0)
                {
                    break;
                }

                n = Math.Min(n, pcm.Length - _pcmCount);
                G711.Decode(pt, payload[..n], pcm.AsSpan(_pcmCount, n));
                _pcmCount += n;
            }

            if (_pcmCount < FrameSamples)
            {
                frame.Clear();
                return false;
            }

            pcm.AsSpan(0, FrameSamples).CopyTo(frame);
            pcm.AsSpan(FrameSamples, _pcmCount - FrameSamples).CopyTo(pcm);
            _pcmCount -= FrameSamples;
            return true;
        }
    }

    /// <summary>Encodes and sends one 20 ms frame.</summary>
    public void SendFrame(ReadOnlySpan<short> frame)
    {
        var remote = _remote;
        if (remote is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Span<byte> payload = stackalloc byte[FrameSamples];
        Span<byte> packet = stackalloc byte[12 + FrameSamples];
        G711.Encode(PayloadType, frame[..FrameSamples], payload);
        bool sent;
        lock (_sendGate)
        {
            _relayAnchored = false; // relaying that starts again continues after this frame
            var n = RtpPacket.Write(packet, PayloadType, false, _seq++, _timestamp, _ssrc, payload);
            _timestamp += FrameSamples;
            _lastSentTicks = Environment.TickCount64;
            sent = _port.Send(packet[..n], remote.Address);
        }

        if (sent)
        {
            Interlocked.Increment(ref _sent);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        _port.Detach(this);
        _jitter.Release();
        if (_pool is not null)
        {
            _pool.Return(_port);
        }
        else
        {
            _port.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Where received packets go while bridged.</summary>
    private sealed record Relay(RtpSession Peer, StereoRecorder? Recorder, int Channel);

    /// <summary>A peer's address serialized once, so sends need no per-packet conversion.</summary>
    private sealed class RemoteAddress
    {
        public RemoteAddress(IPEndPoint endPoint) => Address = endPoint.Serialize();

        public RemoteAddress(SocketAddress from)
        {
            Address = new SocketAddress(from.Family, from.Size);
            from.Buffer.Span[..from.Size].CopyTo(Address.Buffer.Span);
        }

        public SocketAddress Address { get; }

        public bool Matches(SocketAddress other) =>
            other.Size == Address.Size && other.Buffer.Span[..other.Size].SequenceEqual(Address.Buffer.Span[..Address.Size]);
    }
}

/// <summary>Receives the datagrams of an <see cref="RtpPort"/> while attached to it.</summary>
internal interface IRtpReceiver
{
    void OnDatagram(ReadOnlyMemory<byte> data, SocketAddress from);
}

/// <summary>
/// One UDP port for RTP, always being read (zero-allocation receives into one buffer): on Linux by one of the
/// <see cref="RtpReceiveThreads"/>, elsewhere by its own async receive loop. A session attaches to it for a call and
/// detaches after. Datagrams that arrive while no session is attached are dropped.
/// </summary>
internal sealed class RtpPort : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _polled;
    private volatile IRtpReceiver? _receiver;

    private RtpPort(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        Descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        _polled = RtpReceiveThreads.TryAdd(this);
        if (!_polled)
        {
            _ = ReceiveLoop();
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>SO_RCVBUF asked for each RTP socket: 256 KiB, ≈ 8 s of one G.711 stream as the kernel accounts it.</summary>
    public const int ReceiveBufferBytes = 256 * 1024;

    /// <summary>The socket's file descriptor (the receive threads' key).</summary>
    public int Descriptor { get; }

    /// <summary>
    /// Reads what is queued on the socket without blocking, at most <paramref name="max"/> datagrams, handing each to
    /// the attached session; returns how many were read. Called by a receive thread when epoll reports the socket ready.
    /// </summary>
    public unsafe int Drain(byte[] buffer, SocketAddress from, int max)
    {
        var handle = _socket.SafeHandle;
        var added = false;
        var count = 0;
        try
        {
            handle.DangerousAddRef(ref added); // the descriptor cannot be closed (and reused) while we read it
            var fd = (int)handle.DangerousGetHandle();
            var address = from.Buffer;
            for (; count < max; count++)
            {
                nint n;
                var length = address.Length;
                fixed (byte* b = buffer)
                fixed (byte* a = address.Span)
                {
                    n = RtpNative.RecvFrom(fd, b, buffer.Length, RtpNative.MsgDontWait, a, &length);
                }

                if (n < 0)
                {
                    break; // EAGAIN: drained (or an ICMP error reported on the socket; the next datagram reads fine)
                }

                from.Size = Math.Min(length, address.Length);
                Dispatch(buffer.AsMemory(0, (int)n), from);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return count;
    }

    private void Dispatch(ReadOnlyMemory<byte> datagram, SocketAddress from)
    {
        try
        {
            _receiver?.OnDatagram(datagram, from);
        }
#pragma warning disable CA1031 // a bad packet or a handler failure must not stop the port
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public static RtpPort Open(IPAddress bind)
    {
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Room for seconds of one stream (Linux doubles the value; capped by net.core.rmem_max): a receive thread the
            // OS leaves unscheduled for a while under load finds the packets still queued instead of dropped.
            socket.ReceiveBufferSize = ReceiveBufferBytes;
            socket.Bind(new IPEndPoint(bind, 0));
            return new RtpPort(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Attach(IRtpReceiver receiver) => _receiver = receiver;

    public void Detach(IRtpReceiver receiver) => Interlocked.CompareExchange(ref _receiver, null, receiver);

    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false; // peer gone; the RTP timeout or BYE ends the call
        }
    }

    private async Task ReceiveLoop()
    {
        await Task.Yield();
        var buffer = new byte[2048];
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, from, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            Dispatch(buffer.AsMemory(0, n), from);
        }
    }

    public void Dispose()
    {
        if (_polled)
        {
            RtpReceiveThreads.Remove(this);
        }

        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}

/// <summary>
/// Pre-opened RTP ports (端口池): calls rent a port instead of creating and binding a socket on the signalling path, and
/// give it back when they end (first in, first out, so a port rests as long as possible before reuse). Refilled in the
/// background when it runs low.
/// </summary>
internal sealed class RtpPortPool : IDisposable
{
    private readonly ConcurrentQueue<RtpPort> _free = new();
    private readonly IPAddress _bind;
    private readonly int _size;
    private int _refilling;
    private int _opened;
    private volatile bool _disposed;

    public RtpPortPool(IPAddress bind, int size)
    {
        _bind = bind;
        _size = Math.Max(size, 2);
        for (var i = 0; i < _size; i++)
        {
            _free.Enqueue(RtpPort.Open(bind));
        }

        _opened = _size;
    }

    /// <summary>Ports waiting to be rented.</summary>
    public int Available => _free.Count;

    /// <summary>Ports opened since start (pool size plus what load added).</summary>
    public int Opened => Volatile.Read(ref _opened);

    public RtpPort Rent()
    {
        if (!_free.TryDequeue(out var port))
        {
            Interlocked.Increment(ref _opened);
            port = RtpPort.Open(_bind); // empty: open on the spot rather than fail the call
        }

        if (_free.Count < _size / 4 && Interlocked.CompareExchange(ref _refilling, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.Refill(), this, preferLocal: false);
        }

        return port;
    }

    public void Return(RtpPort port)
    {
        if (_disposed)
        {
            port.Dispose();
            return;
        }

        _free.Enqueue(port);
    }

    private void Refill()
    {
        try
        {
            while (!_disposed && _free.Count < _size)
            {
                _free.Enqueue(RtpPort.Open(_bind));
                Interlocked.Increment(ref _opened);
            }
        }
        catch (SocketException)
        {
            // out of ports or descriptors: Rent opens on demand and reports it
        }
        finally
        {
            Volatile.Write(ref _refilling, 0);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_free.TryDequeue(out var p))
        {
            p.Dispose();
        }
    }
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

    /// <summary>Ticks caught up in a burst to keep cadence, at most <see cref="MaxCatchUp"/> at a time.</summary>
    public const int MaxCatchUp = 50;

    public long LateTicks => _shards.Sum(s => s.LateTicks);

    public long SkippedTicks => _shards.Sum(s => s.SkippedTicks);

    /// <summary>Time the pacing threads spent on media work since start, summed over shards.</summary>
    public TimeSpan Busy => TimeSpan.FromSeconds(_shards.Sum(s => s.BusyTicks) / (double)System.Diagnostics.Stopwatch.Frequency);

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

        /// <summary>Ticks run later than their 20 ms slot (caught up in a burst).</summary>
        public long LateTicks { get; private set; }

        /// <summary>Ticks not run at all because the thread was more than <see cref="MaxCatchUp"/> ticks behind.</summary>
        public long SkippedTicks { get; private set; }

        /// <summary>Stopwatch ticks spent running calls' media work (the rest is sleep).</summary>
        public long BusyTicks { get; private set; }

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
                var behind = due - done;
                if (behind > MaxCatchUp)
                {
                    SkippedTicks += behind - MaxCatchUp;
                    done = due - MaxCatchUp; // a second behind: skip the rest rather than burst forever
                }

                if (behind > 1)
                {
                    LateTicks += Math.Min(behind, MaxCatchUp) - 1;
                }

                var started = sw.ElapsedTicks;
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

                BusyTicks += sw.ElapsedTicks - started;
                var next = ((done + 1) * 20) - sw.ElapsedMilliseconds;
                if (next > 1)
                {
                    Thread.Sleep((int)Math.Min(next - 1, 20));
                }
            }
        }
    }
}
