using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Configuration;
using Usher.Gateway;

namespace Usher.Benchmarks;

/// <summary>A request/response round trip over loopback, straight to an echo backend (the baseline) and through an
/// in-process <see cref="UsherGateway"/>. Allocated bytes are process-wide, so the gateway's own cost per round trip
/// is the difference between the two rows.</summary>
[MemoryDiagnoser]
public class RelayBenchmarks : IDisposable
{
    private EchoServer _echo = null!;
    private UsherGateway _gateway = null!;
    private Socket _direct = null!;
    private Socket _viaGateway = null!;
    private byte[] _send = null!;
    private byte[] _receive = null!;

    /// <summary>Bytes sent and echoed per round trip.</summary>
    [Params(64, 16 * 1024)]
    public int Size { get; set; }

    /// <summary>Starts the echo backend and the gateway and opens one session to each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _echo = new EchoServer();
        _gateway = Gateways.Start(_echo.EndPoint);
        _direct = Connect(_echo.EndPoint);
        _viaGateway = Connect(_gateway.Listeners[0].LocalEndPoint);
        _send = new byte[Size];
        Random.Shared.NextBytes(_send);
        _receive = new byte[Size];
    }

    /// <summary>Stops everything.</summary>
    [GlobalCleanup]
    public void Cleanup() => Dispose();

    /// <summary>Client → echo backend → client, no gateway.</summary>
    [Benchmark(Baseline = true)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> Direct() => await RoundTripAsync(_direct).ConfigureAwait(false);

    /// <summary>Client → gateway → echo backend → gateway → client.</summary>
    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ThroughGateway() => await RoundTripAsync(_viaGateway).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose()
    {
        _direct?.Dispose();
        _viaGateway?.Dispose();
        _gateway?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _echo?.Dispose();
        _direct = null!;
        _viaGateway = null!;
        _gateway = null!;
        _echo = null!;
        GC.SuppressFinalize(this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> RoundTripAsync(Socket socket)
    {
        await socket.SendAsync(_send.AsMemory(), SocketFlags.None).ConfigureAwait(false);
        var got = 0;
        while (got < _receive.Length)
        {
            var n = await socket.ReceiveAsync(_receive.AsMemory(got), SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                throw new InvalidOperationException("the session closed during a round trip");
            }

            got += n;
        }

        return got;
    }

    private static Socket Connect(IPEndPoint endpoint)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Connect(endpoint);
        return s;
    }
}

/// <summary>A whole session per operation: connect, one 64-byte round trip, close. Measures the per-session cost
/// (accept, admission, backend connect, teardown); allocated bytes include the client's and the echo backend's
/// sockets, which the direct baseline shows alone.</summary>
[MemoryDiagnoser]
public class SessionBenchmarks : IDisposable
{
    private readonly byte[] _send = new byte[64];
    private readonly byte[] _receive = new byte[64];
    private EchoServer _echo = null!;
    private UsherGateway _gateway = null!;
    private IPEndPoint _gatewayEndPoint = null!;

    /// <summary>Starts the echo backend and the gateway.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _echo = new EchoServer();
        _gateway = Gateways.Start(_echo.EndPoint);
        _gatewayEndPoint = _gateway.Listeners[0].LocalEndPoint;
    }

    /// <summary>Stops everything.</summary>
    [GlobalCleanup]
    public void Cleanup() => Dispose();

    /// <summary>Connect, round trip, close, straight to the echo backend.</summary>
    [Benchmark(Baseline = true)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> DirectSession() => await OneSessionAsync(_echo.EndPoint).ConfigureAwait(false);

    /// <summary>Connect, round trip, close, through the gateway.</summary>
    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> GatewaySession() => await OneSessionAsync(_gatewayEndPoint).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose()
    {
        _gateway?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _echo?.Dispose();
        _gateway = null!;
        _echo = null!;
        GC.SuppressFinalize(this);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> OneSessionAsync(IPEndPoint endpoint)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(endpoint).ConfigureAwait(false);
        await s.SendAsync(_send.AsMemory(), SocketFlags.None).ConfigureAwait(false);
        var got = 0;
        while (got < _receive.Length)
        {
            var n = await s.ReceiveAsync(_receive.AsMemory(got), SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                throw new InvalidOperationException("the session closed before the echo");
            }

            got += n;
        }

        return got;
    }
}

/// <summary>An in-process gateway on a loopback port, limits on (a per-identity limit above any load here).</summary>
internal static class Gateways
{
    public static UsherGateway Start(IPEndPoint backend)
    {
        var listener = new ListenerSettings
        {
            Name = "bench",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = backend.Address.ToString(),
            BackendPort = backend.Port,
            MaxSessionsPerIdentity = 1_000_000,
            UserTimeout = KeepaliveSettings.Default.Budget,
        };
        var gateway = new UsherGateway(new GatewaySettings { Listeners = [listener], ShutdownGrace = TimeSpan.FromSeconds(1) },
            NullLoggerFactory.Instance);
        gateway.Start();
        return gateway;
    }
}
