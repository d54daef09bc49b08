using System.Diagnostics;
using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Two nodes reach Redis through a Sentinel pair (real redis-sentinel processes) in front of a primary and
/// a replica; the primary is killed with SIGKILL while sessions are held and new ones connect through both nodes. The
/// fail mode decides what the failover's outage admits (each node's own limit, or nobody); either way the new
/// primary ends up holding exactly the live sessions, and the limit holds from then on.</summary>
public abstract class SentinelFailover(RedisSentinelSet redis, string failMode)
{
    private const int Limit = 4;

    [Fact]
    public async Task After_a_failover_mid_traffic_the_new_primary_holds_exactly_the_live_sessions_and_the_limit_holds()
    {
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis.Configuration, 2, FieldListeners.Json(backend, Limit),
            ledger: $"\"FailMode\": \"{failMode}\", \"LeaseTtl\": \"00:00:03\"", usher: FieldListeners.Usher);
        var nodes = cluster.Nodes.Select(n => n.Listen).ToArray();
        var held = new List<Attempt>();
        try
        {
            var before = await Outage.TryAsync(nodes[0], 2, held);
            Assert.True(before == "++", $"{before}{Environment.NewLine}{cluster.Nodes[0].Process.Describe()}");
            Assert.Equal(2, await LedgerLeases.CountAsync(redis.Primary, cluster.KeyPrefix));

            await redis.KillPrimaryAsync();
            using var failover = new CancellationTokenSource();
            var traffic = TrafficAsync(nodes, held, failover.Token);
            await redis.WaitForFailoverAsync(TimeSpan.FromSeconds(60));
            await failover.CancelAsync();
            await traffic;

            // Every live session registered on the new primary (again, where the replica missed it), none more; FailMode
            // Open may have admitted up to each node's own limit meanwhile, Closed nobody over the limit.
            var ceiling = failMode == "Open" ? nodes.Length * Limit : Limit;
            await Eventually.HoldsAsync(async () => await LedgerLeases.CountAsync(redis.Replica, cluster.KeyPrefix) == backend.Open
                    && backend.Open <= ceiling, EndToEnd.Soon,
                $"the new primary holding exactly the live sessions, at most {ceiling} ({failMode})");

            // Newcomers fill what is left of the limit, through the other node; the next is refused.
            var live = backend.Open;
            var clock = Stopwatch.StartNew();
            while (backend.Open < Limit && clock.Elapsed < EndToEnd.Soon)
            {
                await Outage.TryAsync(nodes[1], 1, held);
            }

            Assert.Equal("-", await Outage.TryAsync(nodes[1], 1, held));
            await Outage.SettledAsync(redis.Replica, cluster, backend, Math.Max(Limit, live));
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }

    /// <summary>One connect every 200 ms, through the nodes in turn, until <paramref name="stop"/> (at most 300).</summary>
    private static async Task TrafficAsync(IPEndPoint[] nodes, List<Attempt> held, CancellationToken stop)
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
