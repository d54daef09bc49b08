using System.Net;
using System.Text.RegularExpressions;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>The leases a Redis server holds for one cluster, read with redis-cli: the distinct lease members
/// (<c>{node}/{instance}/{sessionId}</c>) of every sorted set of leases under the cluster's key prefix (per identity,
/// <c>PREFIX:{listener:identity}:leases</c>, and per listener, <c>PREFIX:{listener}:leases</c>), expired or not.</summary>
internal static partial class LedgerLeases
{
    // One round trip: every sorted set of leases under the prefix, every member of each (KEYS is fine on a test's own server).
    private const string Script = """
        local out = {}
        for _, key in ipairs(redis.call('KEYS', ARGV[1])) do
          if redis.call('TYPE', key).ok == 'zset' then
            for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do out[#out + 1] = member end
          end
        end
        return out
        """;

    /// <summary>The lease members <paramref name="server"/> holds under <paramref name="keyPrefix"/>.</summary>
    public static async Task<IReadOnlySet<string>> OnAsync(IPEndPoint server, string keyPrefix)
    {
        var output = await RedisProcess.CliAsync(server, "EVAL", Script, "0", keyPrefix + ":*:leases");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(m => Member().IsMatch(m))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>How many leases <paramref name="server"/> holds under <paramref name="keyPrefix"/>.</summary>
    public static async Task<int> CountAsync(IPEndPoint server, string keyPrefix) => (await OnAsync(server, keyPrefix)).Count;

    [GeneratedRegex(@"^[^/\s]+/[^/\s]+/\d+$")]
    private static partial Regex Member();
}
