using System.Diagnostics;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>FailMode Closed: Redis (real, killed and started again empty) goes away while two nodes hold sessions.
/// Nobody new is admitted meanwhile (9656, within Timeout); the sessions held go on, and once Redis is back they are
/// registered again and the limit counts them.</summary>
public sealed class FailClosedOutageTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Nobody_new_is_admitted_while_Redis_is_down_and_once_it_is_back_the_held_sessions_count_again()
    {
        await using var backend = new SessionServer();
        await using var cluster = await Outage.StartAsync(redis.Configuration, backend, "Closed");
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var held = new List<Attempt>();
        try
        {
            Assert.Equal("++", await Outage.TryAsync(a.Listen, 2, held));

            await redis.StopAsync();
            var before = held.Count;
            Assert.Equal("--", await Outage.TryAsync(a.Listen, 2, held));
            Assert.Equal("--", await Outage.TryAsync(b.Listen, 2, held));
            Outage.AnsweredInTime(held.Skip(before));
            await Eventually.HoldsAsync(() => RefusalCounts.Of(cluster.Nodes, UsherEvents.LedgerUnavailable) >= 4, EndToEnd.Soon,
                "the four refusals logged as 9656");
            Assert.Equal(2, backend.Open);
            var down = Stopwatch.StartNew();

            await redis.StartAsync();
            var outage = down.Elapsed;
            await Outage.SettledAsync(redis.EndPoint, cluster, backend, 2);
            await OutageEvents.LoggedOncePerNodeAsync(cluster, outage);
            Assert.Empty(cluster.Nodes.SelectMany(n => n.Entries(UsherEvents.LeaseRevoked)));

            Assert.Equal("+-", await Outage.TryAsync(b.Listen, 2, held));
            await Outage.SettledAsync(redis.EndPoint, cluster, backend, Outage.Limit);
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }
}
