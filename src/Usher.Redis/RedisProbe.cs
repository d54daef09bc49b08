using StackExchange.Redis;
using Usher.Configuration;

namespace Usher.Redis;

/// <summary>Reaches a Redis server once: what <c>usher doctor</c> reports for a Redis ledger.</summary>
internal static class RedisProbe
{
    /// <summary>Connects as the ledger would (its connection string, its timeouts) and measures one PING's round
    /// trip; throws <see cref="RedisException"/> (or a <see cref="TimeoutException"/>) when Redis cannot be reached.</summary>
    public static async Task<TimeSpan> PingAsync(LedgerSettings settings)
    {
        var options = RedisConnection.Options(settings);
        // A doctor wants the first failure, said at once, not a multiplexer that keeps trying.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        var rtt = await connection.GetDatabase().PingAsync().ConfigureAwait(false);
        // The first PING may pay for a lazy handshake: the second is the round trip.
        var second = await connection.GetDatabase().PingAsync().ConfigureAwait(false);
        return rtt < second ? rtt : second;
    }
}
