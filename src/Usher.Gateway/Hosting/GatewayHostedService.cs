using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Gateway.Engine;
using Usher.Ledger;

namespace Usher.Gateway.Hosting;

/// <summary>Runs an <see cref="UsherGateway"/> on the Generic Host: starts with the host, drains on SIGTERM/Ctrl-C.</summary>
public sealed class GatewayHostedService : IHostedService, IAsyncDisposable
{
    private readonly UsherGateway _gateway;
    private readonly IHostApplicationLifetime? _lifetime;

    /// <summary>Creates the service.</summary>
    public GatewayHostedService(GatewaySettings settings, ILoggerFactory loggerFactory, TimeProvider time,
        InheritedListeners? inherited = null, IHostApplicationLifetime? lifetime = null, ISessionLedger? ledger = null,
        Usher.Control.IClusterReclaim? clusterReclaim = null)
    {
        // A ledger registered by the host (the Redis ledger) counts the sessions; else the gateway counts in memory.
        _gateway = new UsherGateway(settings, loggerFactory, time, ledger) { Inherited = inherited, ClusterReclaim = clusterReclaim };
        _lifetime = lifetime;
    }

    /// <summary>Why the gateway failed while running (an event loop failed, event 9661); <c>null</c> while it serves.
    /// The host is stopped on it, and <c>usher run</c> exits non-zero.</summary>
    public Exception? Failure => _gateway.Failure.Exception?.InnerException;

    /// <summary>The gateway.</summary>
    public UsherGateway Gateway => _gateway;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _gateway.Start();
        _ = _gateway.Failure.ContinueWith(static (_, lifetime) => ((IHostApplicationLifetime?)lifetime)?.StopApplication(),
            _lifetime, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Drains for the ShutdownGrace in force, which a reload may have changed since the start.</remarks>
    public Task StopAsync(CancellationToken cancellationToken) => _gateway.StopAsync(grace: null, CancellationToken.None);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _gateway.DisposeAsync();
}
