using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Ledger;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>What the Redis ledger does when Redis loses its keys or goes away: lost leases registered again or
/// revoked, and outages in both fail modes, against a real redis-server stopped (SIGKILL) and started again on the same
/// port with no keys. The tests share one server and run one after the other.</summary>
public sealed class RedisOutageTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    [Fact]
    public async Task A_lease_lost_from_Redis_is_registered_again_when_the_limit_allows()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var first = SessionLease.Next();
        var second = SessionLease.Next();
        await a.TryAdmitAsync(scope, "gina", 3, first);
        await a.TryAdmitAsync(scope, "gina", 3, second);

        await (await nodes.ObserveAsync()).ExecuteAsync("FLUSHALL");
        Assert.Equal(0, await nodes.LeasesAsync("pg", "gina"));
        await a.BeatAsync();

        Assert.Equal(2, await nodes.LeasesAsync("pg", "gina"));
        Assert.False(first.IsReleased || second.IsReleased);
        Assert.Equal(2, a.Total);
    }

    [Fact]
    public async Task A_lease_lost_from_Redis_is_revoked_when_other_nodes_took_its_place_meanwhile()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var b = await nodes.StartAsync("gw-b");
        var onA = a.CreateScope("pg", null);
        var onB = b.CreateScope("pg", null);
        SessionLease[] onNodeA = [SessionLease.Next(), SessionLease.Next()];
        foreach (var lease in onNodeA)
        {
            Assert.True((await a.TryAdmitAsync(onA, "hank", 2, lease)).Admitted);
        }

        await (await nodes.ObserveAsync()).ExecuteAsync("FLUSHALL");
        Assert.True((await b.TryAdmitAsync(onB, "hank", 2, SessionLease.Next())).Admitted);
        Assert.True((await b.TryAdmitAsync(onB, "hank", 2, SessionLease.Next())).Admitted);
        await a.BeatAsync();

        foreach (var lease in onNodeA)
        {
            var why = await lease.Revoked.WaitAsync(Patience);
            Assert.Contains("gone from Redis", why, StringComparison.Ordinal);
            Assert.Contains("limit of 2", why, StringComparison.Ordinal);
            Assert.True(lease.IsReleased);
            Assert.False(lease.Release(CloseReason.Revoked));
        }

        Assert.Equal(0, a.Total);
        Assert.Equal(2, await nodes.LeasesAsync("pg", "hank"));
    }

    [Fact]
    public async Task In_FailMode_Open_an_outage_admits_under_the_nodes_own_limits_and_counts_are_exact_once_Redis_is_back()
    {
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Open, timeout: TimeSpan.FromMilliseconds(250));
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var before = SessionLease.Next();
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, before)).Admitted);
        var leaving = SessionLease.Next();
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, leaving)).Admitted);

        await redis.StopAsync();
        try
        {
            var during = new List<(Admission Admission, TimeSpan Took)>();
            for (var i = 0; i < 3; i++)
            {
                var started = Environment.TickCount64;
                var admission = await a.TryAdmitAsync(scope, "ivy", 3, SessionLease.Next());
                during.Add((admission, TimeSpan.FromMilliseconds(Environment.TickCount64 - started)));
            }

            Assert.All(during, d => Assert.InRange(d.Took, TimeSpan.Zero, nodes.Timeout + TimeSpan.FromSeconds(1)));
            // This node's own limit: 2 held, one more admitted, then refused by the identity's limit.
            Assert.True(during[0].Admission.Admitted);
            Assert.Equal(RefusedBy.Identity, during[1].Admission.RefusedBy);
            Assert.Equal(RefusedBy.Identity, during[2].Admission.RefusedBy);
            Assert.True(leaving.Release(CloseReason.ClientClosed));
            Assert.True(a.InOutage);
            await nodes.Log.WaitForAsync(UsherEvents.LedgerUnavailable, Patience);
            Assert.Single(nodes.Log.WithId(UsherEvents.LedgerUnavailable));
        }
        finally
        {
            await redis.StartAsync();
        }

        var recovered = await nodes.Log.WaitForAsync(UsherEvents.LedgerRecovered, Patience);
        Assert.False(a.InOutage);
        Assert.True(Convert.ToDouble(recovered["OutageSeconds"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(2, a.Total);
        Assert.Equal(2, await nodes.LeasesAsync("pg", "ivy"));
        Assert.Single(nodes.Log.WithId(UsherEvents.LedgerUnavailable));
        Assert.False(before.IsReleased);
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, SessionLease.Next())).Admitted);
        Assert.Equal(3, await nodes.LeasesAsync("pg", "ivy"));
    }

    [Fact]
    public async Task In_FailMode_Open_a_newcomer_at_the_nodes_own_limit_waits_in_its_line_and_a_release_on_the_node_hands_it_the_place()
    {
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Open, timeout: TimeSpan.FromMilliseconds(250));
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var holder = SessionLease.Next();
        Assert.True((await a.TryAdmitAsync(scope, "jo", 1, holder)).Admitted);

        await redis.StopAsync();
        try
        {
            // The first call that meets the outage begins it; the node's own limit refuses.
            Assert.Equal(RefusedBy.Identity, (await a.TryAdmitAsync(scope, "jo", 1, SessionLease.Next())).RefusedBy);
            Assert.True(a.InOutage);

            // ClosingWait while Redis is away: the newcomer waits in this node's line, and this node's release of
            // the place hands it over (a pool reconnecting at its limit is not refused for the outage).
            var heir = SessionLease.Next();
            using var patience = new CancellationTokenSource(Patience);
            var waiting = a.AdmitOrWaitAsync(scope, "jo", 1, heir, patience.Token).AsTask();
            await Eventually.HoldsAsync(() => a.Waiting(scope, "jo") == 1, Patience, "the newcomer in this node's line");
            Assert.False(waiting.IsCompleted);
            Assert.True(holder.Release(CloseReason.ClientClosed));
            var admission = await waiting.WaitAsync(Patience);

            Assert.True(admission.Admitted);
            Assert.Same(heir, admission.Lease);
            Assert.Equal(1, a.Total);
            Assert.Equal(0, a.Waiting(scope, "jo"));

            // A wait that ends (ClosingWait over) leaves the line with a refusal, without waiting on Redis.
            using var brief = new CancellationTokenSource();
            var second = a.AdmitOrWaitAsync(scope, "jo", 1, SessionLease.Next(), brief.Token).AsTask();
            await Eventually.HoldsAsync(() => a.Waiting(scope, "jo") == 1, Patience, "a second newcomer in line");
            await brief.CancelAsync();
            Assert.Equal(RefusedBy.Identity, (await second.WaitAsync(Patience)).RefusedBy);
            Assert.Equal(0, a.Waiting(scope, "jo"));
        }
        finally
        {
            await redis.StartAsync();
        }

        // The heir's lease, granted while Redis was away, counts in Redis once it is back.
        await nodes.Log.WaitForAsync(UsherEvents.LedgerRecovered, Patience);
        await Eventually.HoldsAsync(() => nodes.LeasesAsync("pg", "jo").Result == 1, Patience, "the heir's lease registered");
        Assert.Equal(1, a.Total);
    }

    [Fact]
    public async Task In_FailMode_Open_a_newcomer_in_Redis_line_when_the_outage_begins_is_served_under_its_nodes_own_limit()
    {
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Open, timeout: TimeSpan.FromMilliseconds(250));
        var a = await nodes.StartAsync("gw-a");
        var b = await nodes.StartAsync("gw-b");
        var (onA, onB) = (a.CreateScope("pg", null), b.CreateScope("pg", null));
        Assert.True((await a.TryAdmitAsync(onA, "kay", 1, SessionLease.Next())).Admitted);
        using var patience = new CancellationTokenSource(Patience);
        var heir = SessionLease.Next();
        var waiting = b.AdmitOrWaitAsync(onB, "kay", 1, heir, patience.Token).AsTask();
        await Eventually.HoldsAsync(() => b.Waiting(onB, "kay") == 1, Patience, "the newcomer in Redis's line, on B");

        await redis.StopAsync();
        try
        {
            // B meets the outage: its line is its own now, and B holds none of kay's sessions.
            await b.TryAdmitAsync(onB, "someone-else", 1, SessionLease.Next());
            Assert.True(b.InOutage);
            var admission = await waiting.WaitAsync(Patience);

            Assert.True(admission.Admitted);
            Assert.Same(heir, admission.Lease);
            Assert.Equal(0, b.Waiting(onB, "kay"));
        }
        finally
        {
            await redis.StartAsync();
        }
    }

    [Fact]
    public async Task In_FailMode_Closed_an_outage_refuses_within_Timeout_and_the_leases_held_count_again_once_Redis_is_back()
    {
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Closed, timeout: TimeSpan.FromMilliseconds(250));
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var held = SessionLease.Next();
        Assert.True((await a.TryAdmitAsync(scope, "jack", 3, held)).Admitted);

        await redis.StopAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var started = Environment.TickCount64;
                var admission = await a.TryAdmitAsync(scope, "jack", 3, SessionLease.Next());
                Assert.InRange(TimeSpan.FromMilliseconds(Environment.TickCount64 - started), TimeSpan.Zero, nodes.Timeout + TimeSpan.FromSeconds(1));
                Assert.Equal(RefusedBy.LedgerUnavailable, admission.RefusedBy);
            }

            // Logged by whichever met the outage first (an admission, or the multiplexer's own news), once.
            var unavailable = await nodes.Log.WaitForAsync(UsherEvents.LedgerUnavailable, Patience);
            Assert.Contains("refused (FailMode Closed)", unavailable.Message, StringComparison.Ordinal);
            Assert.Single(nodes.Log.WithId(UsherEvents.LedgerUnavailable));
        }
        finally
        {
            await redis.StartAsync();
        }

        await nodes.Log.WaitForAsync(UsherEvents.LedgerRecovered, Patience);
        Assert.Equal(1, await nodes.LeasesAsync("pg", "jack"));
        Assert.False(held.IsReleased);
        Assert.Equal(1, a.Total);
        Assert.True((await a.TryAdmitAsync(scope, "jack", 3, SessionLease.Next())).Admitted);
    }
}
