using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Usher.Protocols.Proxy;

namespace Usher.EndToEnd.Tests.ProxyProtocol;

/// <summary>A backend that expects a PROXY protocol header first on every connection, as a server behind
/// <c>SendProxy: v2</c> does: it reads the header with <see cref="ProxyProtocolReader"/>, answers
/// <c>"from SOURCE to DESTINATION\n"</c> with the addresses the header carries, then echoes. A connection without
/// a valid header is answered <c>"no PROXY header: PROBLEM\n"</c> and closed.</summary>
public sealed class ProxyV2Backend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentBag<Socket> _connections = [];
    private readonly ConcurrentQueue<ProxyHeader> _headers = new();
    private readonly Task _accept;

    /// <summary>Starts the backend on 127.0.0.1, port chosen by the kernel.</summary>
    public ProxyV2Backend()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _accept = AcceptAsync();
    }

    /// <summary>Where the backend listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>The headers read so far.</summary>
    public IReadOnlyList<ProxyHeader> Headers => [.. _headers];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        try
        {
            await _accept;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(connection);
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        try
        {
            var buffer = new byte[4096];
            var received = 0;
            ProxyHeader header;
            while ((header = ProxyProtocolReader.Read(buffer.AsSpan(0, received))).Status == ProxyHeaderStatus.NeedMore)
            {
                var read = await connection.ReceiveAsync(buffer.AsMemory(received));
                if (read == 0)
                {
                    return;
                }

                received += read;
            }

            if (header.Status != ProxyHeaderStatus.Proxied)
            {
                await connection.SendAsync(Encoding.ASCII.GetBytes($"no PROXY header: {header.Problem ?? header.Status.ToString()}\n"));
                connection.Shutdown(SocketShutdown.Both);
                return;
            }

            _headers.Enqueue(header);
            await connection.SendAsync(Encoding.ASCII.GetBytes($"from {header.Source} to {header.Destination}\n"));

            // What came after the header, then the rest: echoed.
            if (received > header.Consumed)
            {
                await connection.SendAsync(buffer.AsMemory(header.Consumed, received - header.Consumed));
            }

            while (await connection.ReceiveAsync(buffer) is > 0 and var read)
            {
                await connection.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
