using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Gateway.Engine;

namespace Usher.Gateway.Hosting;

/// <summary>Runs an <see cref="UsherGateway"/> on the Generic Host: starts with the host, drains on SIGTERM/Ctrl-C.</summary>
public sealed class GatewayHostedService : IHostedService, IAsyncDisposable
{
    private readonly UsherGateway _gateway;

    /// <summary>Creates the service.</summary>
    public GatewayHostedService(GatewaySettings settings, ILoggerFactory loggerFactory, TimeProvider time,
        InheritedListeners? inherited = null)
    {
        _gateway = new UsherGateway(settings, loggerFactory, time) { Inherited = inherited };
    }

    /// <summary>The gateway.</summary>
    public UsherGateway Gateway => _gateway;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _gateway.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Drains for the ShutdownGrace in force, which a reload may have changed since the start.</remarks>
    public Task StopAsync(CancellationToken cancellationToken) => _gateway.StopAsync(grace: null, CancellationToken.None);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _gateway.DisposeAsync();
}
