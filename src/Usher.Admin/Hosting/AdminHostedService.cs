using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Control;

namespace Usher.Admin.Hosting;

/// <summary>Runs the <see cref="AdminServer"/> on the Generic Host beside the gateway. Registered before the
/// gateway's service, it starts first (a bad Admin:Listen stops <c>usher run</c> before any session is accepted) and
/// stops last, so operators can watch and kill sessions while the gateway drains.</summary>
public sealed class AdminHostedService : IHostedService, IAsyncDisposable
{
    private readonly AdminServer _server;

    /// <summary>Creates the service for <paramref name="gateway"/>; on a graceful restart it adopts the running
    /// Usher's admin socket (taken from the gateway as it is created, before the gateway starts and closes the
    /// sockets no listener took).</summary>
    public AdminHostedService(AdminSettings settings, IGatewayControl gateway, ILoggerFactory loggerFactory,
        IClusterControl? cluster = null) =>
        _server = new AdminServer(settings, gateway, loggerFactory, cluster);

    /// <summary>The admin endpoint.</summary>
    public AdminServer Server => _server;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _server.StartAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
