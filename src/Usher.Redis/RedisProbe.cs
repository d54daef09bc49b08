using StackExchange.Redis;

namespace Usher.Redis;

/// <summary>Reaches a Redis server once: what <c>usher doctor</c> reports for a Redis ledger.</summary>
internal static class RedisProbe
{
    /// <summary>Connects with <paramref name="configuration"/> (a StackExchange.Redis connection string) and measures
    /// one PING's round trip.</summary>
    public static async Task<TimeSpan> PingAsync(string configuration)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        return await connection.GetDatabase().PingAsync();
    }
}
