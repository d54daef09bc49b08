using System.Net;
using Usher.Configuration;
using Usher.Gateway;

namespace Usher.Testing;

/// <summary>A gateway started in-process on loopback port 0 with captured logs.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    private TestGateway(UsherGateway gateway, LogCapture logs)
    {
        Gateway = gateway;
        Logs = logs;
    }

    /// <summary>The gateway.</summary>
    public UsherGateway Gateway { get; }

    /// <summary>Its log.</summary>
    public LogCapture Logs { get; }

    /// <summary>The first listener's address.</summary>
    public IPEndPoint EndPoint => Gateway.Listeners[0].LocalEndPoint;

    /// <summary>Listener settings for a backend, with fast test-friendly defaults that a test may replace with
    /// <c>with</c>-style object initialisers.</summary>
    public static ListenerSettings Listener(IPEndPoint backend, string name = "test", string listen = "127.0.0.1") => new()
    {
        Name = name,
        Listen = new IPEndPoint(IPAddress.Parse(listen), 0),
        BackendHost = backend.Address.ToString(),
        BackendPort = backend.Port,
        UserTimeout = KeepaliveSettings.Default.Budget,
    };

    /// <summary>Starts a gateway with the listeners given.</summary>
    public static TestGateway Start(params ListenerSettings[] listeners) =>
        Start(new GatewaySettings { Listeners = listeners, ShutdownGrace = TimeSpan.FromSeconds(1) });

    /// <summary>Starts a gateway with full settings.</summary>
    public static TestGateway Start(GatewaySettings settings, TimeProvider? time = null)
    {
        var logs = new LogCapture();
        var gateway = new UsherGateway(settings, logs.CreateFactory(), time);
        gateway.Start();
        return new TestGateway(gateway, logs);
    }

    /// <summary>Wraps a gateway a test started itself (with a ledger of its own, say).</summary>
    public static TestGateway Wrap(UsherGateway gateway, LogCapture logs) => new(gateway, logs);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}
