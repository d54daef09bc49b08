using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.Cli.Demo;

/// <summary>The demo's backend: a tiny session server that greets each connection with its session number and
/// tells when a session ends, as a real server would free a user's session.</summary>
internal sealed class DemoBackend : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ConcurrentDictionary<int, Socket> _open = new();
    private readonly Action<string> _say;
    private readonly Task _accept;
    private int _next;

    public DemoBackend(Action<string> say)
    {
        _say = say;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Open => _open.Count;

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        foreach (var s in _open.Values)
        {
            s.Dispose();
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
            Socket s;
            try
            {
                s = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var n = Interlocked.Increment(ref _next);
            _open[n] = s;
            _ = ServeAsync(n, s);
        }
    }

    private async Task ServeAsync(int n, Socket s)
    {
        try
        {
            await s.SendAsync(Encoding.ASCII.GetBytes($"hello, you hold backend session #{n}\n"));
            var buffer = new byte[256];
            while (await s.ReceiveAsync(buffer) is > 0 and var read)
            {
                await s.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _open.TryRemove(n, out _);
            s.Dispose();
            _say($"backend: session #{n} ended, its slot on the server is free ({_open.Count} open)");
        }
    }
}
