using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>FailMode Open: Redis (real, killed and started again empty) goes away while two nodes hold and admit
/// sessions.</summary>
public sealed class FailOpenOutageTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Each_node_admits_under_its_own_limit_while_Redis_is_down_and_once_it_is_back_the_sessions_over_the_limit_are_revoked()
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

            await redis.StartAsync();
            await Outage.SettledAsync(redis.EndPoint, cluster, backend, Outage.Limit);
            Assert.Equal(Outage.Limit, cluster.Nodes.Sum(n => n.Entries(UsherEvents.LeaseRevoked).Count()));
            OutageEvents.LoggedOncePerNode(cluster);

            var late = await Outage.TryAsync(b.Listen, 1, held);
            Assert.Equal("-", late);
            Assert.Equal(Outage.Limit, await LedgerLeases.CountAsync(redis.EndPoint, cluster.KeyPrefix));
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }
}
