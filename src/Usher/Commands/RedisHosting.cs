using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Gateway;
using Usher.Ledger;
using Usher.Redis;
using Usher.Redis.Ledger;

namespace Usher.Cli.Commands;

/// <summary>Registers what a Redis ledger needs on the host: the process's one <see cref="RedisConnection"/> (the
/// cluster bus uses it too) and the ledger the gateway takes from the container.</summary>
internal static class RedisHosting
{
    /// <summary>Registers the connection and the ledger when <c>Ledger:Kind</c> is Redis; nothing otherwise.</summary>
    public static void AddRedisLedger(IServiceCollection services, GatewaySettings settings)
    {
        if (settings.Ledger is not { Kind: LedgerKind.Redis } ledger)
        {
            return;
        }

        // Redis need not be up at start: the multiplexer keeps connecting, and the ledger follows its FailMode meanwhile.
        services.AddSingleton(_ => RedisConnection.ConnectAsync(ledger).GetAwaiter().GetResult());
        services.AddSingleton<ISessionLedger>(sp => new RedisSessionLedger(sp.GetRequiredService<RedisConnection>(),
            settings.MaxSessions ?? ProcessLimits.DefaultMaxSessions(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Usher.Ledger"),
            sp.GetRequiredService<TimeProvider>()));
    }
}
