using Microsoft.Extensions.Hosting;
using Usher.Control;
using Usher.Redis.Cluster;

namespace Usher.Cli.Commands;

/// <summary>Runs the cluster bus on the Generic Host: this node answers the other nodes' requests through its gateway
/// control from the start, and leaves the cluster when the host stops (after the gateway has drained, so operators
/// on other nodes can still see and kill its sessions meanwhile).</summary>
internal sealed class ClusterBusService(ClusterBus bus, IGatewayControl gateway) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bus.StartAsync(gateway);

    public Task StopAsync(CancellationToken cancellationToken) => bus.StopAsync();
}
