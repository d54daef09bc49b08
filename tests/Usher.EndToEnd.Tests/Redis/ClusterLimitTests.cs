using System.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>One identity limit across three real <c>usher run</c> nodes sharing a real redis-server: a race from all
/// sides, and a node that dies holding sessions.</summary>
public sealed class ClusterLimitTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const int Limit = 32;
    private const int PerNode = 100;

    [Fact]
    public async Task Three_nodes_admit_exactly_32_of_300_racing_connections_and_refuse_the_other_268_with_9646()
    {
        await using var backend = new SessionServer();
        // FailMode Closed and a Timeout far above a busy machine's latency: the race is about the limit, not about an
        // outage (an admission slower than Timeout would open one, and FailMode Open would admit under each node's own
        // limit).
        await using var cluster = await GatewayCluster.StartAsync(redis, 3, FieldListeners.Json(backend, Limit),
            ledger: "\"FailMode\": \"Closed\", \"Timeout\": \"00:00:04\"", usher: FieldListeners.Usher);

        var attempts = await Attempt.RaceAsync(cluster.Nodes.Select(n => n.Listen), PerNode);
        try
        {
            var admitted = attempts.Count(a => a.Admitted);
            Assert.True(admitted == Limit, $"{admitted} admitted; outages logged (9656): {cluster.Nodes.Sum(n => OutageEvents.Began(n).Count())}");
            await backend.WaitUntilAsync(s => s.Open == Limit, EndToEnd.Soon);
            var refused = 3 * PerNode - Limit;
            await Eventually.HoldsAsync(() => RefusalCounts.Of(cluster.Nodes) >= refused, EndToEnd.Soon,
                $"{refused} refusals logged as 9646 by the nodes ({cluster})");

            Assert.Equal(refused, RefusalCounts.Of(cluster.Nodes));
            Assert.True(backend.MaxOpen <= Limit, $"the backend saw {backend.MaxOpen} sessions at once");
            Assert.Equal(Limit, backend.Open);
        }
        finally
        {
            Array.ForEach(attempts, a => a.Dispose());
        }
    }

    [Fact]
    public async Task A_killed_nodes_places_are_free_within_LeaseTtl_and_the_identity_fills_them_through_another_node()
    {
        const int limit = 4;
        var leaseTtl = TimeSpan.FromSeconds(3);
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis, 2, FieldListeners.Json(backend, limit),
            ledger: $"\"LeaseTtl\": \"{leaseTtl:c}\"", usher: FieldListeners.Usher);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var held = new List<Attempt>();
        try
        {
            for (var i = 0; i < limit; i++)
            {
                held.Add(await Attempt.ConnectAsync(a.Listen));
            }

            Assert.All(held, h => Assert.True(h.Admitted));
            using (var over = await Attempt.ConnectAsync(b.Listen))
            {
                Assert.False(over.Admitted, "a fifth session through the other node while the first holds four");
            }

            await a.KillAsync();
            var clock = Stopwatch.StartNew();
            held.Add(await UntilAdmittedAsync(b, clock, leaseTtl * 3));
            var freed = clock.Elapsed;

            // LeaseTtl and one heartbeat, with a second for a busy machine: the dead node's leases have expired.
            var budget = leaseTtl + Heartbeat(leaseTtl) + TimeSpan.FromSeconds(1);
            Assert.True(freed <= budget, $"admitted {freed} after the kill (budget {budget})");

            // The dead node's leases expire one by one (each was granted, or last renewed, a moment apart).
            for (var i = 1; i < limit; i++)
            {
                held.Add(await UntilAdmittedAsync(b, clock, leaseTtl * 3));
            }

            Assert.True(clock.Elapsed <= budget, $"all {limit} admitted {clock.Elapsed} after the kill (budget {budget})");
            Assert.All(held.Skip(limit), h => Assert.True(h.Admitted));
            using var fifth = await Attempt.ConnectAsync(b.Listen);
            Assert.False(fifth.Admitted, "the limit holds through the surviving node");
            await backend.WaitUntilAsync(s => s.Open == limit, EndToEnd.Soon);
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }

    /// <summary>The heartbeat interval of a Redis ledger with <paramref name="leaseTtl"/>.</summary>
    private static TimeSpan Heartbeat(TimeSpan leaseTtl) => leaseTtl / 3;

    /// <summary>Tries through <paramref name="node"/> every 100 ms until a session is admitted (a refused try costs
    /// nothing), at most <paramref name="within"/>.</summary>
    private static async Task<Attempt> UntilAdmittedAsync(GatewayNode node, Stopwatch clock, TimeSpan within)
    {
        while (true)
        {
            var attempt = await Attempt.ConnectAsync(node.Listen);
            if (attempt.Admitted)
            {
                return attempt;
            }

            attempt.Dispose();
            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"nothing admitted through {node} within {within}");
            }

            await Task.Delay(100);
        }
    }
}
