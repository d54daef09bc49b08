using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.Admin.Tests;

/// <summary>A backend that greets each connection ("hello N\n"), echoes, and records how each connection ended:
/// an orderly end of stream (EOF, the gateway's FIN) or an error (a reset).</summary>
internal sealed class EofBackend : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _ends = new();
    private readonly Task _accept;
    private int _next;

    public EofBackend()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _accept = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>How connection <paramref name="n"/> (1-based, in accept order) ended: "eof" or the socket error.</summary>
    public Task<string> EndOf(int n) => _ends.GetOrAdd(n, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
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

            _ = ServeAsync(Interlocked.Increment(ref _next), s);
        }
    }

    private async Task ServeAsync(int n, Socket s)
    {
        var end = _ends.GetOrAdd(n, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        using (s)
        {
            try
            {
                await s.SendAsync(Encoding.ASCII.GetBytes($"hello {n}\n"));
                var buffer = new byte[4096];
                while (await s.ReceiveAsync(buffer) is > 0 and var read)
                {
                    await s.SendAsync(buffer.AsMemory(0, read));
                }

                end.TrySetResult("eof");
            }
            catch (SocketException e)
            {
                end.TrySetResult(e.SocketErrorCode.ToString());
            }
        }
    }
}
