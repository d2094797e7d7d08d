using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.Sip.Transactions;

/// <summary>A finished transaction found by <see cref="CompletedTransactionTable.TryFind"/>.</summary>
internal readonly struct CompletedTransaction(byte[]? resend, SipPeer? peer, bool absorbsAck)
{
    /// <summary>The bytes to send again (a copy); null when the retransmission is only absorbed or they were not asked for.</summary>
    public byte[]? Resend { get; } = resend;

    /// <summary>Where <see cref="Resend"/> goes; null when no bytes were asked for.</summary>
    public SipPeer? Peer { get; } = peer;

    /// <summary>A server INVITE whose non-2xx final was acknowledged (Confirmed): retransmitted ACKs stop here.</summary>
    public bool AbsorbsAck { get; } = absorbsAck;
}

/// <summary>
/// What is left of finished transactions while they must still absorb retransmissions (RFC 3261 timers D, I, J, K, L,
/// M: up to 32 s): key, bytes to send again, peer address, deadline. At 1,000 calls/s that is ≈ 100,000 entries, and
/// as objects (key string, byte array, peer, dictionary node, timer entry) every one of them was promoted by the
/// collections of its 32 s, which made each gen0 pause ≈ 100 ms. Here they live in three arrays without references
/// — entries, hash buckets and a byte ring — which the GC neither traces nor copies; the only allocations are the
/// arrays' growth and the copy handed out when a retransmission is answered.
/// <para>
/// Entries sit in a ring in insertion order and leave from its head once their deadline passed (an entry with a short
/// deadline behind a longer one is treated as gone by lookups and freed when the head reaches it). Keys are kept as
/// their UTF-16 code units and compared exactly; the hash only picks the bucket. One lock: every operation is a
/// lookup or an append of a few hundred bytes.
/// </para>
/// </summary>
internal sealed class CompletedTransactionTable
{
    private const int MinEntries = 1024;
    private const int MinData = 64 * 1024;
    private const byte FlagLinked = 1;
    private const byte FlagHasResend = 2;
    private const byte FlagAbsorbsAck = 4;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private readonly int _maxData;
    private Entry[] _entries = new Entry[MinEntries];
    private int[] _buckets = new int[MinEntries * 2]; // entry index + 1; 0 = empty
    private byte[] _data = new byte[MinData];
    private int _head; // oldest entry
    private int _count;
    private long _dataHead; // absolute byte positions; offset = position % _data.Length
    private long _dataTail;
    private long _evicted;

    /// <param name="time">The clock deadlines are read from (the timer wheel's).</param>
    /// <param name="maxEntries">Most entries held; beyond it (or <paramref name="maxDataBytes"/>) the oldest go early.</param>
    /// <param name="maxDataBytes">Most bytes of keys and messages held.</param>
    public CompletedTransactionTable(TimeProvider time, int maxEntries = 1 << 20, int maxDataBytes = 256 << 20)
    {
        _time = time;
        _maxEntries = Math.Max(MinEntries, (int)BitOperations.RoundUpToPowerOf2((uint)maxEntries));
        _maxData = Math.Max(MinData, maxDataBytes);
    }

    /// <summary>Entries whose deadline has not passed (walks the table: for tests and monitoring).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                var now = Now;
                var live = 0;
                for (var i = 0; i < _count; i++)
                {
                    ref var e = ref _entries[(_head + i) & (_entries.Length - 1)];
                    if ((e.Flags & FlagLinked) != 0 && e.Expires > now)
                    {
                        live++;
                    }
                }

                return live;
            }
        }
    }

    /// <summary>Entries dropped before their deadline because the table reached its size limit.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Bytes the table's arrays take (they grow with the call rate and are kept).</summary>
    public long CapacityBytes
    {
        get
        {
            lock (_gate)
            {
                return _data.Length + ((long)_entries.Length * Unsafe.SizeOf<Entry>()) + ((long)_buckets.Length * sizeof(int));
            }
        }
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>
    /// Keeps <paramref name="key"/> for <paramref name="keep"/>, with the bytes to answer its retransmissions with
    /// (copied; an empty span and <paramref name="hasResend"/> false when they are only absorbed). Replaces an entry
    /// with the same key.
    /// </summary>
    public void Add(string key, ReadOnlySpan<byte> resend, bool hasResend, SipPeer peer, bool absorbsAck, TimeSpan keep)
    {
        var keyBytes = MemoryMarshal.AsBytes(key.AsSpan());
        var length = keyBytes.Length + resend.Length;
        var hash = Hash(key);
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            var existing = Find(keyBytes, hash, now, includeExpired: true);
            if (existing >= 0)
            {
                Unlink(existing);
            }

            if (_count == _entries.Length)
            {
                GrowEntries();
            }

            var position = Reserve(length);
            var index = (_head + _count) & (_entries.Length - 1);
            _count++;
            var offset = (int)(position % _data.Length);
            keyBytes.CopyTo(_data.AsSpan(offset));
            resend.CopyTo(_data.AsSpan(offset + keyBytes.Length));

            ref var e = ref _entries[index];
            e = default;
            e.Hash = hash;
            e.DataPosition = position;
            e.KeyLength = keyBytes.Length;
            e.ResendLength = resend.Length;
            e.Expires = now + Math.Max(1, keep.Ticks);
            e.Flags = (byte)(FlagLinked | (hasResend ? FlagHasResend : 0) | (absorbsAck ? FlagAbsorbsAck : 0));
            e.Peer = PeerAddress.From(peer);
            var bucket = (int)(hash & (uint)(_buckets.Length - 1));
            e.Next = _buckets[bucket];
            _buckets[bucket] = index + 1;
        }
    }

    /// <summary>
    /// Finds a live entry. With <paramref name="wantResend"/> the stored bytes are copied out with the peer (a
    /// retransmission is being answered); without, only the flags are read and nothing is allocated.
    /// </summary>
    public bool TryFind(string key, bool wantResend, out CompletedTransaction found)
    {
        var keyBytes = MemoryMarshal.AsBytes(key.AsSpan());
        var hash = Hash(key);
        lock (_gate)
        {
            var index = Find(keyBytes, hash, Now, includeExpired: false);
            if (index < 0)
            {
                found = default;
                return false;
            }

            ref var e = ref _entries[index];
            var absorbsAck = (e.Flags & FlagAbsorbsAck) != 0;
            if (!wantResend || (e.Flags & FlagHasResend) == 0)
            {
                found = new CompletedTransaction(null, null, absorbsAck);
                return true;
            }

            var offset = (int)(e.DataPosition % _data.Length) + e.KeyLength;
            found = new CompletedTransaction(_data.AsSpan(offset, e.ResendLength).ToArray(), e.Peer.ToPeer(), absorbsAck);
            return true;
        }
    }

    private static uint Hash(string key) => (uint)string.GetHashCode(key.AsSpan());

    private int Find(ReadOnlySpan<byte> keyBytes, uint hash, long now, bool includeExpired)
    {
        var index = _buckets[(int)(hash & (uint)(_buckets.Length - 1))] - 1;
        while (index >= 0)
        {
            ref var e = ref _entries[index];
            if (e.Hash == hash && e.KeyLength == keyBytes.Length
                && _data.AsSpan((int)(e.DataPosition % _data.Length), e.KeyLength).SequenceEqual(keyBytes))
            {
                return includeExpired || e.Expires > now ? index : -1;
            }

            index = e.Next - 1;
        }

        return -1;
    }

    /// <summary>Frees entries from the head while their deadline has passed (or they were replaced).</summary>
    private void Sweep(long now)
    {
        while (_count > 0)
        {
            ref var e = ref _entries[_head];
            if ((e.Flags & FlagLinked) != 0 && e.Expires > now)
            {
                return;
            }

            DropHead();
        }
    }

    private void DropHead()
    {
        ref var e = ref _entries[_head];
        if ((e.Flags & FlagLinked) != 0)
        {
            Unlink(_head);
        }

        e = default;
        _head = (_head + 1) & (_entries.Length - 1);
        _count--;
        _dataHead = _count == 0 ? _dataTail : _entries[_head].DataPosition;
    }

    private void Unlink(int index)
    {
        ref var e = ref _entries[index];
        ref var link = ref _buckets[(int)(e.Hash & (uint)(_buckets.Length - 1))];
        while (link != 0)
        {
            if (link - 1 == index)
            {
                link = e.Next;
                break;
            }

            link = ref _entries[link - 1].Next;
        }

        e.Flags &= unchecked((byte)~FlagLinked);
        e.Next = 0;
    }

    /// <summary>Room for a record of <paramref name="length"/> contiguous bytes at the tail of the ring.</summary>
    private long Reserve(int length)
    {
        while (true)
        {
            var position = _dataTail;
            var offset = (int)(position % _data.Length);
            if (offset + length > _data.Length)
            {
                position += _data.Length - offset; // records never wrap: skip the end of the array
            }

            if (position + length - _dataHead <= _data.Length)
            {
                _dataTail = position + length;
                return position;
            }

            if (_data.Length < _maxData && length <= _maxData / 2)
            {
                GrowData(Math.Max(_data.Length * 2, length * 2));
            }
            else if (_count > 0)
            {
                DropHead(); // at the limit: the oldest goes before its deadline
                Interlocked.Increment(ref _evicted);
            }
            else
            {
                GrowData(length * 2); // one record larger than the limit allows: hold it anyway
            }
        }
    }

    private void GrowData(int size)
    {
        var data = new byte[Math.Min(Math.Max(size, _data.Length), Math.Max(_maxData, size))];
        long position = 0;
        for (var i = 0; i < _count; i++)
        {
            ref var e = ref _entries[(_head + i) & (_entries.Length - 1)];
            var length = e.KeyLength + e.ResendLength;
            _data.AsSpan((int)(e.DataPosition % _data.Length), length).CopyTo(data.AsSpan((int)position));
            e.DataPosition = position;
            position += length;
        }

        _data = data;
        _dataHead = 0;
        _dataTail = position;
    }

    private void GrowEntries()
    {
        if (_entries.Length >= _maxEntries)
        {
            DropHead();
            Interlocked.Increment(ref _evicted);
            return;
        }

        var entries = new Entry[_entries.Length * 2];
        var buckets = new int[entries.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            ref var e = ref entries[i];
            e = _entries[(_head + i) & (_entries.Length - 1)];
            e.Next = 0;
            if ((e.Flags & FlagLinked) != 0)
            {
                var bucket = (int)(e.Hash & (uint)(buckets.Length - 1));
                e.Next = buckets[bucket];
                buckets[bucket] = i + 1;
            }
        }

        _entries = entries;
        _buckets = buckets;
        _head = 0;
    }

    /// <summary>One finished transaction; no references, so arrays of it are invisible to the GC's marking.</summary>
    private struct Entry
    {
        public long DataPosition;
        public long Expires;
        public PeerAddress Peer;
        public uint Hash;
        public int Next; // next entry in the bucket's chain, index + 1
        public int KeyLength;
        public int ResendLength;
        public byte Flags;
    }

    /// <summary>A peer as plain values: the IPEndPoint is rebuilt only when a retransmission is answered.</summary>
    private struct PeerAddress
    {
        private ulong _high;
        private ulong _low;
        private uint _scopeId;
        private ushort _port;
        private byte _family; // 4 or 6
        private byte _kind;

        public static PeerAddress From(SipPeer peer)
        {
            var address = peer.Remote.Address;
            Span<byte> bytes = stackalloc byte[16];
            bytes.Clear();
            address.TryWriteBytes(bytes, out _);
            return new PeerAddress
            {
                _high = BitConverter.ToUInt64(bytes),
                _low = BitConverter.ToUInt64(bytes[8..]),
                _scopeId = address.AddressFamily == AddressFamily.InterNetworkV6 ? (uint)address.ScopeId : 0,
                _port = (ushort)peer.Remote.Port,
                _family = address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4,
                _kind = (byte)peer.Kind,
            };
        }

        public readonly SipPeer ToPeer()
        {
            Span<byte> bytes = stackalloc byte[16];
            BitConverter.TryWriteBytes(bytes, _high);
            BitConverter.TryWriteBytes(bytes[8..], _low);
            var address = _family == 6 ? new IPAddress(bytes, _scopeId) : new IPAddress(bytes[..4]);
            return new SipPeer((SipTransportKind)_kind, new IPEndPoint(address, _port));
        }
    }
}
