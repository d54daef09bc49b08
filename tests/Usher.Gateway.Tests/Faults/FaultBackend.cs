using System.Net;
using System.Net.Sockets;

namespace Usher.Gateway.Tests.Faults;

/// <summary>A backend the test drives by hand: a loopback listener whose accepted connections are handed to the
/// test, which decides whether they read, write, reset or close. The listening socket can be closed and opened again
/// on the same port (a backend restarting).</summary>
internal sealed class FaultBackend : IDisposable
{
    private readonly List<Socket> _accepted = [];
    private Socket? _listener;

    public FaultBackend()
    {
        _listener = Listen(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Accepts the next connection (from the gateway), or fails after <paramref name="timeout"/>.</summary>
    public async Task<Socket> AcceptAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var socket = await _listener!.AcceptAsync(cts.Token);
            _accepted.Add(socket);
            return socket;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the backend {EndPoint} accepted nothing within {timeout}");
        }
    }

    /// <summary>Closes the listening socket: connections already accepted stay open, new ones are refused.</summary>
    public void StopListening()
    {
        _listener?.Dispose();
        _listener = null;
    }

    /// <summary>Listens again on the same port.</summary>
    public void ListenAgain() => _listener = Listen(EndPoint);

    /// <summary>Closes <paramref name="socket"/> with a RST (SO_LINGER 0), as a crashing or killed server does.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public void Dispose()
    {
        _listener?.Dispose();
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }
    }

    private static Socket Listen(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endpoint);
        socket.Listen(64);
        return socket;
    }
}
