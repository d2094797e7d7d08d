using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hotline.Telephony.Media;

/// <summary>
/// RTP receive threads for Linux (收包线程): a few dedicated threads (one per core, at most four), each waiting on its
/// own epoll set of RTP ports and reading every ready socket without blocking (<c>recvfrom</c> with MSG_DONTWAIT),
/// then pausing a couple of milliseconds so that the packets of hundreds of calls are read in one pass instead of one
/// thread-pool completion per packet. Level-triggered: a socket with more queued than one pass reads is reported again.
/// Elsewhere (or if epoll cannot be opened) <see cref="RtpPort"/> falls back to one async receive loop per port.
/// </summary>
internal sealed class RtpReceiveThreads
{
    /// <summary>Pause after a pass that found packets, so the next pass finds many (RTP arrives every 20 ms per stream).</summary>
    public const int BatchMilliseconds = 2;

    private const int MaxEvents = 512;
    private const int MaxPerSocketPerPass = 16;
    private static readonly Lazy<RtpReceiveThreads?> Instance = new(Create);
    private readonly Shard[] _shards;
    private int _next;

    private RtpReceiveThreads(Shard[] shards) => _shards = shards;

    /// <summary>Datagrams read by the receive threads since start.</summary>
    public static long Datagrams => Instance.Value?._shards.Sum(s => Volatile.Read(ref s.Datagrams)) ?? 0;

    /// <summary>Passes over ready sockets since start (wakeups of the receive threads).</summary>
    public static long Passes => Instance.Value?._shards.Sum(s => Volatile.Read(ref s.Passes)) ?? 0;

    /// <summary>True when ports are read by these threads (Linux with epoll).</summary>
    public static bool Enabled => Instance.Value is not null;

    /// <summary>Registers <paramref name="port"/> with one of the threads; false when this platform has none.</summary>
    public static bool TryAdd(RtpPort port)
    {
        var self = Instance.Value;
        if (self is null)
        {
            return false;
        }

        var shard = self._shards[(int)((uint)Interlocked.Increment(ref self._next) % (uint)self._shards.Length)];
        return shard.Add(port);
    }

    public static void Remove(RtpPort port)
    {
        foreach (var s in Instance.Value?._shards ?? [])
        {
            s.Remove(port);
        }
    }

    private static RtpReceiveThreads? Create()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return null;
        }

        var count = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var shards = new List<Shard>();
        for (var i = 0; i < count; i++)
        {
            var epfd = RtpNative.EpollCreate1(RtpNative.EpollCloexec);
            if (epfd < 0)
            {
                return null; // keep the async loops
            }

            shards.Add(new Shard(epfd, i));
        }

        return new RtpReceiveThreads([.. shards]);
    }

    private sealed class Shard
    {
        private readonly int _epfd;
        private readonly ConcurrentDictionary<int, RtpPort> _ports = new();
        public long Datagrams;
        public long Passes;

        public Shard(int epfd, int index)
        {
            _epfd = epfd;
            new Thread(Run) { IsBackground = true, Name = $"hotline-rtp-receive-{index}", Priority = ThreadPriority.AboveNormal }.Start();
        }

        public unsafe bool Add(RtpPort port)
        {
            _ports[port.Descriptor] = port;
            Span<byte> ev = stackalloc byte[16];
            ev.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(ev, RtpNative.EpollIn);
            BinaryPrimitives.WriteInt64LittleEndian(ev[RtpNative.EventDataOffset..], port.Descriptor);
            fixed (byte* p = ev)
            {
                if (RtpNative.EpollCtl(_epfd, RtpNative.EpollCtlAdd, port.Descriptor, p) == 0)
                {
                    return true;
                }
            }

            _ports.TryRemove(port.Descriptor, out _);
            return false;
        }

        public unsafe void Remove(RtpPort port)
        {
            if (_ports.TryGetValue(port.Descriptor, out var p) && ReferenceEquals(p, port))
            {
                RtpNative.EpollCtl(_epfd, RtpNative.EpollCtlDel, port.Descriptor, null);
                _ports.TryRemove(port.Descriptor, out _);
            }
        }

        private unsafe void Run()
        {
            var events = new byte[MaxEvents * RtpNative.EventSize];
            var buffer = new byte[2048];
            var from = new SocketAddress(AddressFamily.InterNetworkV6); // room for either family
            while (true)
            {
                int n;
                fixed (byte* e = events)
                {
                    n = RtpNative.EpollWait(_epfd, e, MaxEvents, 1000);
                }

                if (n <= 0)
                {
                    continue; // timeout or EINTR
                }

                Passes++;
                for (var i = 0; i < n; i++)
                {
                    var fd = (int)BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan((i * RtpNative.EventSize) + RtpNative.EventDataOffset));
                    if (_ports.TryGetValue(fd, out var port))
                    {
                        Datagrams += port.Drain(buffer, from, MaxPerSocketPerPass);
                    }
                }

                if (n < MaxEvents)
                {
                    Thread.Sleep(BatchMilliseconds);
                }
            }
        }
    }
}

/// <summary>The few libc calls used (Linux x64 and arm64 layouts).</summary>
internal static unsafe partial class RtpNative
{
    public const int EpollCloexec = 0x80000;
    public const uint EpollIn = 0x001;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int MsgDontWait = 0x40;

    /// <summary>struct epoll_event is packed (12 bytes) on x86-64 and 16 bytes with the data at 8 elsewhere.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint RecvFrom(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);
}
