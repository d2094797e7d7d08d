using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Hotline.Telephony.Sip.Messages;

namespace Hotline.Telephony.Sip.Transport;

/// <summary>UDP or TCP.</summary>
internal enum SipTransportKind
{
    Udp,
    Tcp,
}

/// <summary>Where a message came from or goes to: a transport and a remote address.</summary>
internal sealed record SipPeer(SipTransportKind Kind, IPEndPoint Remote)
{
    public string ViaProtocol => Kind == SipTransportKind.Udp ? "UDP" : "TCP";

    public bool IsReliable => Kind == SipTransportKind.Tcp;
}

/// <summary>A bytes-in, bytes-out SIP transport. Received data is handed to the callback given at start.</summary>
internal interface ISipTransport : IAsyncDisposable
{
    SipTransportKind Kind { get; }

    IPEndPoint LocalEndPoint { get; }

    ValueTask SendAsync(byte[] data, IPEndPoint remote, CancellationToken cancellationToken = default);
}

/// <summary>SIP over UDP (RFC 3261 §18): one datagram one message, async receive loops on one socket.</summary>
internal sealed class UdpSipTransport : ISipTransport
{
    private readonly Socket _socket;
    private readonly Action<byte[], SipPeer> _onReceive;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _loops = [];

    public UdpSipTransport(IPEndPoint bind, Action<byte[], SipPeer> onReceive, int receiveLoops = 2)
    {
        _onReceive = onReceive;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket.SendBufferSize = 4 * 1024 * 1024;
        if (OperatingSystem.IsWindows())
        {
            const int SioUdpConnReset = -1744830452;
            _socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
        }

        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        // Dedicated receive threads: SIP intake must not queue behind call work on the thread pool.
        for (var i = 0; i < receiveLoops; i++)
        {
            var t = new Thread(ReceiveLoop) { IsBackground = true, Name = $"hotline-sip-udp-{i}" };
            _loops.Add(t);
            t.Start();
        }
    }

    public SipTransportKind Kind => SipTransportKind.Udp;

    public IPEndPoint LocalEndPoint { get; }

    private void ReceiveLoop()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            EndPoint from = any;
            try
            {
                n = _socket.ReceiveFrom(buffer, SocketFlags.None, ref from);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.Interrupted or SocketError.OperationAborted or SocketError.NotSocket)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable surfaces here on some stacks; keep serving.
            }

            if (n > 0)
            {
                _onReceive(buffer.AsSpan(0, n).ToArray(), new SipPeer(SipTransportKind.Udp, (IPEndPoint)from));
            }
        }
    }

    public ValueTask SendAsync(byte[] data, IPEndPoint remote, CancellationToken cancellationToken = default)
    {
        try
        {
            // Datagram sends do not block in practice; sending inline keeps responses in order and off the pool.
            _socket.SendTo(data, SocketFlags.None, remote);
        }
        catch (SocketException)
        {
            // UDP is best effort; the transaction layer retransmits.
        }
        catch (ObjectDisposedException)
        {
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both); // wakes the blocked receive threads on Linux
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        foreach (var t in _loops)
        {
            t.Join(TimeSpan.FromSeconds(2));
        }

        _stop.Dispose();
    }
}

/// <summary>
/// SIP over TCP (RFC 3261 §18.3): messages framed by Content-Length, one read loop per connection, connections reused
/// for responses and opened on demand for requests.
/// </summary>
internal sealed class TcpSipTransport : ISipTransport
{
    private const int MaxMessage = 256 * 1024;
    private readonly TcpListener _listener;
    private readonly Action<byte[], SipPeer> _onReceive;
    private readonly ConcurrentDictionary<IPEndPoint, Connection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public TcpSipTransport(IPEndPoint bind, Action<byte[], SipPeer> onReceive)
    {
        _onReceive = onReceive;
        _listener = new TcpListener(bind);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start(1024);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = Task.Run(AcceptLoop);
    }

    public SipTransportKind Kind => SipTransportKind.Tcp;

    public IPEndPoint LocalEndPoint { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            Track(s);
        }
    }

    private Connection Track(Socket s)
    {
        s.NoDelay = true;
        var c = new Connection(s);
        var remote = (IPEndPoint)s.RemoteEndPoint!;
        _connections[remote] = c;
        _ = Task.Run(() => ReadLoop(c, remote));
        return c;
    }

    private async Task ReadLoop(Connection c, IPEndPoint remote)
    {
        var buffer = new byte[8192];
        var pending = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await c.Socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                pending.Write(buffer, 0, n);
                if (!Frame(pending, remote))
                {
                    break; // unrecoverable framing error: close the connection
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<IPEndPoint, Connection>(remote, c));
            c.Socket.Dispose();
        }
    }

    /// <summary>Cuts every complete message out of the stream buffer; false when the stream cannot be framed.</summary>
    private bool Frame(MemoryStream pending, IPEndPoint remote)
    {
        while (true)
        {
            var data = pending.GetBuffer().AsSpan(0, (int)pending.Length);
            var skip = 0;
            while (skip < data.Length && (data[skip] == '\r' || data[skip] == '\n'))
            {
                skip++;
            }

            data = data[skip..];
            var bodyStart = SipParser.FindHeaderEnd(data, out var headerLength);
            if (bodyStart < 0)
            {
                Compact(pending, skip);
                return pending.Length <= MaxMessage;
            }

            var length = ContentLength(data[..headerLength]);
            if (length < 0 || length > MaxMessage)
            {
                return false;
            }

            if (data.Length - bodyStart < length)
            {
                Compact(pending, skip);
                return true;
            }

            var message = data[..(bodyStart + length)].ToArray();
            Compact(pending, skip + bodyStart + length);
            _onReceive(message, new SipPeer(SipTransportKind.Tcp, remote));
        }
    }

    private static void Compact(MemoryStream ms, int consumed)
    {
        if (consumed == 0)
        {
            return;
        }

        var rest = ms.GetBuffer().AsSpan(consumed, (int)ms.Length - consumed).ToArray();
        ms.SetLength(0);
        ms.Write(rest);
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        var text = System.Text.Encoding.Latin1.GetString(head);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("l", StringComparison.OrdinalIgnoreCase))
            {
                return int.TryParse(line[(colon + 1)..].Trim(), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
            }
        }

        return -1; // RFC 3261 §18.3: Content-Length is mandatory on streams.
    }

    public async ValueTask SendAsync(byte[] data, IPEndPoint remote, CancellationToken cancellationToken = default)
    {
        if (!_connections.TryGetValue(remote, out var c))
        {
            var s = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await s.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                s.Dispose();
                return;
            }

            c = Track(s);
            _connections[remote] = c;
        }

        await c.SendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await c.Socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _connections.TryRemove(new KeyValuePair<IPEndPoint, Connection>(remote, c));
        }
        finally
        {
            c.SendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (var c in _connections.Values)
        {
            c.Socket.Dispose();
        }

        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public SemaphoreSlim SendLock { get; } = new(1, 1);
    }
}
