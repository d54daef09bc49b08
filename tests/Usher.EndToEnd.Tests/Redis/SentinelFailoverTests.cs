using System.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Two nodes reach Redis through a Sentinel pair (real redis-sentinel processes) in front of a primary and
/// a replica; the primary is killed while sessions are held and new ones connect.</summary>
public sealed class SentinelFailoverTests(RedisSentinelSet redis) : IClassFixture<RedisSentinelSet>
{
    private const int Limit = 4;

    [Fact]
    public async Task After_a_failover_mid_traffic_the_new_primary_holds_exactly_the_live_sessions_and_the_limit_holds()
    {
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis.Configuration, 2, FieldListeners.Json(backend, Limit),
            ledger: "\"LeaseTtl\": \"00:00:03\"", usher: FieldListeners.Usher);
        var nodes = cluster.Nodes.Select(n => n.Listen).ToArray();
        var held = new List<Attempt>();
        try
        {
            Assert.Equal("++", await Outage.TryAsync(nodes[0], 2, held));
            Assert.Equal(2, await LedgerLeases.CountAsync(redis.Primary, cluster.KeyPrefix));

            // Traffic through both nodes, one connect every 200 ms, while the primary dies and the sentinels promote
            // the replica; admitted sessions are held.
            await redis.KillPrimaryAsync();
            using var failover = new CancellationTokenSource();
            var traffic = TrafficAsync(nodes, held, failover.Token);
            await redis.WaitForFailoverAsync(TimeSpan.FromSeconds(60));
            await failover.CancelAsync();
            await traffic;

            // The live sessions are registered on the new primary (re-registered where the replica missed them,
            // revoked where the limit did not allow), and no more than the limit live.
            await Eventually.HoldsAsync(async () => await LedgerLeases.CountAsync(redis.Replica, cluster.KeyPrefix) == backend.Open
                    && backend.Open <= Limit, EndToEnd.Soon,
                $"the new primary holding exactly the live sessions ({backend.Open} at the backend), no more than {Limit}");

            // Filled up to the limit through the other node; the next is refused.
            var clock = Stopwatch.StartNew();
            while (backend.Open < Limit && clock.Elapsed < EndToEnd.Soon)
            {
                await Outage.TryAsync(nodes[1], 1, held);
            }

            Assert.Equal("-", await Outage.TryAsync(nodes[1], 1, held));
            await Outage.SettledAsync(redis.Replica, cluster, backend, Limit);
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }

    private static async Task TrafficAsync(System.Net.IPEndPoint[] nodes, List<Attempt> held, CancellationToken stop)
    {
        for (var i = 0; i < 300 && !stop.IsCancellationRequested; i++)
        {
            await Outage.TryAsync(nodes[i % nodes.Length], 1, held);
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
