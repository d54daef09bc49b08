using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.Testing;

/// <summary>A real TCP backend on loopback: greets each connection with "hello N\n", echoes what it receives, and
/// reports when a connection ends, so tests can see that the backend's session was freed.</summary>
public sealed class SessionServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<int, Socket> _open = new();
    private readonly ConcurrentQueue<int> _closed = new();
    private readonly Task _accept;
    private readonly byte[]? _greeting;
    private int _next;
    private int _maxOpen;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a server on <paramref name="address"/> (loopback by default), port chosen by the kernel;
    /// <paramref name="greeting"/>, when given, is sent in place of "hello N\n" (a protocol's accepting answer, such as
    /// an MQTT CONNACK, for listeners whose identities the backend confirms).</summary>
    public SessionServer(IPAddress? address = null, bool greet = true, byte[]? greeting = null)
    {
        Greet = greet || greeting is not null;
        _greeting = greeting;
        address ??= IPAddress.Loopback;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(1024);
        _accept = AcceptAsync();
    }

    /// <summary>Whether each connection is greeted.</summary>
    public bool Greet { get; }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Connections open now.</summary>
    public int Open => _open.Count;

    /// <summary>The most connections ever open at once (what a limit across gateways must never exceed).</summary>
    public int MaxOpen => Volatile.Read(ref _maxOpen);

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _next);

    /// <summary>The server side sockets, by connection number.</summary>
    public IReadOnlyDictionary<int, Socket> Connections => _open;

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever a connection opens or ends.</summary>
    public async Task WaitUntilAsync(Func<SessionServer, bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition(this))
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"backend condition not met within {timeout}: {Open} open, {Accepted} accepted");
            }
        }
    }

    /// <inheritdoc />
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

    private void RecordOpen()
    {
        var open = _open.Count;
        for (var max = Volatile.Read(ref _maxOpen); open > max; max = Volatile.Read(ref _maxOpen))
        {
            if (Interlocked.CompareExchange(ref _maxOpen, open, max) == max)
            {
                return;
            }
        }
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

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
            RecordOpen();
            Signal();
            _ = ServeAsync(n, s);
        }
    }

    private async Task ServeAsync(int n, Socket s)
    {
        try
        {
            if (Greet)
            {
                await s.SendAsync(_greeting ?? Encoding.ASCII.GetBytes($"hello {n}\n"));
            }

            var buffer = new byte[16 * 1024];
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
            _closed.Enqueue(n);
            s.Dispose();
            Signal();
        }
    }
}
