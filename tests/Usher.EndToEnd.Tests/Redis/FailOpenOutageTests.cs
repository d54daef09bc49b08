using System.Diagnostics;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>FailMode Open: Redis (real, killed and started again empty) goes away while two nodes hold and admit
/// sessions. Each node admits under its own limits meanwhile (at most nodes × limit in all); once Redis is back the
/// sessions it served are registered again, all of them (they were served all along), so the identity is over its
/// limit until enough of them end, and every newcomer is refused until then.</summary>
public sealed class FailOpenOutageTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Each_node_admits_under_its_own_limit_while_Redis_is_down_and_once_it_is_back_the_live_sessions_are_counted_and_newcomers_refused()
    {
        await using var backend = new SessionServer();
        await using var cluster = await Outage.StartAsync(redis.Configuration, backend, "Open");
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var held = new List<Attempt>();
        try
        {
            Assert.Equal("++", await Outage.TryAsync(a.Listen, 2, held));

            await redis.StopAsync();
            var before = held.Count;
            Assert.Equal("+-", await Outage.TryAsync(a.Listen, 2, held));
            Assert.Equal("+++-", await Outage.TryAsync(b.Listen, Outage.Limit + 1, held));
            Outage.AnsweredInTime(held.Skip(before));
            await backend.WaitUntilAsync(s => s.Open == 2 * Outage.Limit, EndToEnd.Soon);
            var down = Stopwatch.StartNew();

            await redis.StartAsync();
            var outage = down.Elapsed;
            await Outage.SettledAsync(redis.EndPoint, cluster, backend, 2 * Outage.Limit);
            await OutageEvents.LoggedOncePerNodeAsync(cluster, outage);
            Assert.Empty(cluster.Nodes.SelectMany(n => n.Entries(UsherEvents.LeaseRevoked)));

            var refusals = RefusalCounts.Of(cluster.Nodes);
            Assert.Equal("-", await Outage.TryAsync(b.Listen, 1, held));
            await Eventually.HoldsAsync(() => RefusalCounts.Of(cluster.Nodes) == refusals + 1, EndToEnd.Soon, "the newcomer's 9646");
            Assert.Equal(2 * Outage.Limit, await LedgerLeases.CountAsync(redis.EndPoint, cluster.KeyPrefix));
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }
}
