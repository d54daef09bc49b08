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
    private static long s_ids;

    private static SessionLease NewLease() => new(Interlocked.Increment(ref s_ids));

    [Fact]
    public async Task A_lease_lost_from_Redis_is_registered_again_when_the_limit_allows()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var first = NewLease();
        var second = NewLease();
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
        SessionLease[] onNodeA = [NewLease(), NewLease()];
        foreach (var lease in onNodeA)
        {
            Assert.True((await a.TryAdmitAsync(onA, "hank", 2, lease)).Admitted);
        }

        await (await nodes.ObserveAsync()).ExecuteAsync("FLUSHALL");
        Assert.True((await b.TryAdmitAsync(onB, "hank", 2, NewLease())).Admitted);
        Assert.True((await b.TryAdmitAsync(onB, "hank", 2, NewLease())).Admitted);
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
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Open);
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var before = NewLease();
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, before)).Admitted);
        var leaving = NewLease();
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, leaving)).Admitted);

        await redis.StopAsync();
        try
        {
            var during = new List<(Admission Admission, TimeSpan Took)>();
            for (var i = 0; i < 3; i++)
            {
                var started = Environment.TickCount64;
                var admission = await a.TryAdmitAsync(scope, "ivy", 3, NewLease());
                during.Add((admission, TimeSpan.FromMilliseconds(Environment.TickCount64 - started)));
            }

            Assert.All(during, d => Assert.InRange(d.Took, TimeSpan.Zero, nodes.Timeout + TimeSpan.FromSeconds(1)));
            // This node's own limit: 2 held, one more admitted, then refused by the identity's limit.
            Assert.True(during[0].Admission.Admitted);
            Assert.Equal(RefusedBy.Identity, during[1].Admission.RefusedBy);
            Assert.Equal(RefusedBy.Identity, during[2].Admission.RefusedBy);
            Assert.True(leaving.Release(CloseReason.ClientClosed));
            Assert.True(a.InOutage);
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
        Assert.True((await a.TryAdmitAsync(scope, "ivy", 3, NewLease())).Admitted);
        Assert.Equal(3, await nodes.LeasesAsync("pg", "ivy"));
    }

    [Fact]
    public async Task In_FailMode_Closed_an_outage_refuses_within_Timeout_and_the_leases_held_count_again_once_Redis_is_back()
    {
        await using var nodes = new LedgerNodes(redis, LedgerFailMode.Closed);
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var held = NewLease();
        Assert.True((await a.TryAdmitAsync(scope, "jack", 3, held)).Admitted);

        await redis.StopAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var started = Environment.TickCount64;
                var admission = await a.TryAdmitAsync(scope, "jack", 3, NewLease());
                Assert.InRange(TimeSpan.FromMilliseconds(Environment.TickCount64 - started), TimeSpan.Zero, nodes.Timeout + TimeSpan.FromSeconds(1));
                Assert.Equal(RefusedBy.LedgerUnavailable, admission.RefusedBy);
            }

            Assert.Single(nodes.Log.WithId(UsherEvents.LedgerUnavailable));
            Assert.Contains("refused (FailMode Closed)", nodes.Log.WithId(UsherEvents.LedgerUnavailable)[0].Message, StringComparison.Ordinal);
        }
        finally
        {
            await redis.StartAsync();
        }

        await nodes.Log.WaitForAsync(UsherEvents.LedgerRecovered, Patience);
        Assert.Equal(1, await nodes.LeasesAsync("pg", "jack"));
        Assert.False(held.IsReleased);
        Assert.Equal(1, a.Total);
        Assert.True((await a.TryAdmitAsync(scope, "jack", 3, NewLease())).Admitted);
    }
}
