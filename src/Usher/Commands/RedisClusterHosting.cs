using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Control;
using Usher.Gateway.Hosting;
using Usher.Redis;
using Usher.Redis.Cluster;

namespace Usher.Cli.Commands;

/// <summary>Registers the cluster of a Redis ledger on the host: the bus (over the process's one
/// <see cref="RedisConnection"/>) as <see cref="IClusterControl"/> for the admin side and <see cref="IClusterReclaim"/>
/// for the gateway's reclaims, and the service that starts it answering for this node.</summary>
internal static class RedisClusterHosting
{
    /// <summary>Registers the bus when <c>Ledger:Kind</c> is Redis; nothing otherwise (the admin side shows this node
    /// alone, the gateway reclaims here alone).</summary>
    public static void AddRedisCluster(IServiceCollection services, GatewaySettings settings)
    {
        if (settings.Ledger is not { Kind: LedgerKind.Redis })
        {
            return;
        }

        services.AddSingleton(sp => new ClusterBus(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Usher.Cluster")));
        services.AddSingleton<IClusterControl>(sp => sp.GetRequiredService<ClusterBus>());
        services.AddSingleton<IClusterReclaim>(sp => sp.GetRequiredService<ClusterBus>());
        services.TryAddSingleton(sp => sp.GetRequiredService<GatewayHostedService>().Gateway.Control);
        services.AddHostedService(sp => new ClusterBusService(sp.GetRequiredService<ClusterBus>(), sp.GetRequiredService<IGatewayControl>()));
    }
}
