using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Usher.Diagnostics;
using Usher.Gateway.Proxy;

namespace Usher.Gateway.Listeners;

/// <summary>One listening socket and its accept loops. A session starts on the accepting thread and leaves it at its
/// first wait (the backend connect), so accepting never waits on a session.</summary>
public sealed class GatewayListener : IAsyncDisposable
{
    private readonly ListenerContext _context;
    private readonly Socket _socket;
    private readonly List<Task> _loops = [];
    private volatile bool _stopping;

    internal GatewayListener(ListenerContext context)
    {
        _context = context;
        var endpoint = context.Settings.Listen;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true;
        }

        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
        _socket.Listen(4096);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The listener's name.</summary>
    public string Name => _context.Settings.Name;

    /// <summary>Where the listener accepts (with the real port when configured with port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    internal ListenerContext Context => _context;

    internal void Start(int acceptLoops)
    {
        for (var i = 0; i < acceptLoops; i++)
        {
            _loops.Add(AcceptLoopAsync());
        }

        _context.Logger.ListenerStarted(Name, LocalEndPoint, _context.Settings.Backend, _context.IdentityKindName,
            _context.Settings.MaxSessionsPerIdentity);
    }

    /// <summary>Stops accepting; open sessions are left alone.</summary>
    public async Task StopAcceptingAsync()
    {
        _stopping = true;
        _socket.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAcceptingAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (_stopping || e.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends: say so, back off briefly, keep accepting.
                _context.Logger.AcceptFailed(Name, e.SocketErrorCode.ToString());
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            ProxySession.Start(_context, client);
        }
    }
}
