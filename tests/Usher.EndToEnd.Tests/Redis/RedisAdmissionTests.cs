using Usher.Ledger;
using Usher.Redis.Ledger;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>The Redis ledger's admission across nodes, against a real redis-server: several ledgers with different node
/// names in one test process are several nodes.</summary>
public sealed class RedisAdmissionTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static long s_ids;

    private static SessionLease NewLease() => new(Interlocked.Increment(ref s_ids));

    [Fact]
    public async Task Three_nodes_racing_for_one_identity_never_hold_more_than_its_limit_at_once()
    {
        const int Limit = 5;
        await using var nodes = new LedgerNodes(redis);
        RedisSessionLedger[] ledgers = [await nodes.StartAsync("gw-a"), await nodes.StartAsync("gw-b"), await nodes.StartAsync("gw-c")];
        var scopes = ledgers.Select(l => l.CreateScope("pg", null)).ToArray();
        var held = 0;
        var most = 0;
        var admitted = 0;
        var refused = 0;
        var observed = new List<long>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                observed.Add(await nodes.LeasesAsync("pg", "alice"));
            }
        });

        // 3 nodes × 8 racers × 10 attempts: admit, hold a moment, release.
        var racers = Enumerable.Range(0, 24).Select(r => Task.Run(async () =>
        {
            var node = r % 3;
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var lease = NewLease();
                var admission = await ledgers[node].TryAdmitAsync(scopes[node], "alice", Limit, lease);
                if (!admission.Admitted)
                {
                    Assert.Equal(RefusedBy.Identity, admission.RefusedBy);
                    Interlocked.Increment(ref refused);
                    continue;
                }

                Interlocked.Increment(ref admitted);
                var now = Interlocked.Increment(ref held);
                InterlockedMax(ref most, now);
                await Task.Yield();
                Interlocked.Decrement(ref held);
                lease.Release(CloseReason.ClientClosed);
            }
        })).ToArray();
        await Task.WhenAll(racers).WaitAsync(Patience);
        await stop.CancelAsync();
        await watcher.WaitAsync(Patience);

        Assert.InRange(most, 1, Limit);
        Assert.True(admitted >= Limit, $"admitted {admitted}, refused {refused}");
        Assert.Equal(240, admitted + refused);
        Assert.NotEmpty(observed);
        Assert.All(observed, count => Assert.InRange(count, 0, Limit));
        Assert.All(ledgers, l => Assert.Equal(0, l.Total));
        await Eventually.HoldsAsync(() => nodes.LeasesAsync("pg", "alice").Result == 0, Patience, "every lease released in Redis");
    }

    [Fact]
    public async Task The_limit_holds_across_nodes_and_the_refusal_says_who_holds_how_many()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var b = await nodes.StartAsync("gw-b");
        var onA = a.CreateScope("pg", null);
        var onB = b.CreateScope("pg", null);

        var first = await a.TryAdmitAsync(onA, "bob", 2, NewLease());
        var second = await b.TryAdmitAsync(onB, "bob", 2, NewLease());
        var third = await b.TryAdmitAsync(onB, "bob", 2, NewLease());
        var other = await b.TryAdmitAsync(onB, "carol", 2, NewLease());

        Assert.True(first.Admitted && second.Admitted && other.Admitted);
        Assert.Equal(2, second.Count);
        Assert.Equal(RefusedBy.Identity, third.RefusedBy);
        Assert.Equal(2, third.Count);
        Assert.Equal(2, third.Limit);
        Assert.Equal(2, b.Count(onB, "bob"));
        Assert.Equal(2, b.Total);
        var members = await nodes.MembersAsync("pg", "bob");
        Assert.Contains(members, m => m.StartsWith("gw-a/", StringComparison.Ordinal));
        Assert.Contains(members, m => m.StartsWith("gw-b/", StringComparison.Ordinal) && m.EndsWith("/" + ((SessionLease)second.Lease!).SessionId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_listeners_MaxSessions_holds_across_nodes_and_the_global_limit_is_each_nodes_own()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a", globalLimit: 1);
        var b = await nodes.StartAsync("gw-b");
        var onA = a.CreateScope("pg", 2);
        var onB = b.CreateScope("pg", 2);
        var otherOnA = a.CreateScope("mqtt", null);

        Assert.True((await a.TryAdmitAsync(onA, "u1", 5, NewLease())).Admitted);
        var globalRefusal = await a.TryAdmitAsync(otherOnA, "u2", 5, NewLease());
        Assert.True((await b.TryAdmitAsync(onB, "u2", 5, NewLease())).Admitted);
        var listenerRefusal = await b.TryAdmitAsync(onB, "u3", 5, NewLease());

        Assert.Equal(RefusedBy.Global, globalRefusal.RefusedBy);
        Assert.Equal(1, globalRefusal.Limit);
        Assert.Equal(RefusedBy.Listener, listenerRefusal.RefusedBy);
        Assert.Equal(2, listenerRefusal.Count);
        Assert.Equal(2, listenerRefusal.Limit);
    }

    [Fact]
    public async Task A_release_is_idempotent_in_Redis_and_on_the_lease()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var scope = a.CreateScope("pg", null);
        var kept = NewLease();
        var gone = NewLease();
        await a.TryAdmitAsync(scope, "dave", 3, kept);
        await a.TryAdmitAsync(scope, "dave", 3, gone);

        Assert.True(gone.Release(CloseReason.ClientClosed));
        Assert.False(gone.Release(CloseReason.ClientClosed));
        await Eventually.HoldsAsync(() => nodes.LeasesAsync("pg", "dave").Result == 1, Patience, "one lease left in Redis");
        // The same release again, as a retry after a timeout would send it: nothing changes.
        var db = await nodes.ObserveAsync();
        var tag = $"{nodes.Prefix}:{{pg:dave}}";
        for (var i = 0; i < 2; i++)
        {
            await db.ScriptEvaluateAsync(RedisScripts.Release, [$"{tag}:leases", $"{tag}:line", $"{tag}:waiters", $"{nodes.Prefix}:{{pg}}:leases"],
                [$"gw-a/x/{gone.SessionId}", 3, -1, 15000, nodes.Prefix + ":handoff:"]);
        }

        Assert.Equal(1, await nodes.LeasesAsync("pg", "dave"));
        Assert.Equal(1, a.Total);
        Assert.False(kept.IsReleased);
    }

    [Fact]
    public async Task The_places_of_a_node_that_died_are_free_within_LeaseTtl_and_a_heartbeat()
    {
        var ttl = TimeSpan.FromSeconds(3);
        await using var nodes = new LedgerNodes(redis, leaseTtl: ttl);
        var dying = await nodes.StartAsync("gw-a");
        var survivor = await nodes.StartAsync("gw-b");
        var onDying = dying.CreateScope("pg", null);
        var onSurvivor = survivor.CreateScope("pg", null);
        Assert.True((await dying.TryAdmitAsync(onDying, "erin", 2, NewLease())).Admitted);
        Assert.True((await dying.TryAdmitAsync(onDying, "erin", 2, NewLease())).Admitted);
        // The survivor's own lease is renewed by its heartbeat all along.
        var own = NewLease();
        Assert.True((await survivor.TryAdmitAsync(onSurvivor, "frank", 1, own)).Admitted);

        var died = Environment.TickCount64;
        await dying.DisposeAsync();
        Assert.Equal(RefusedBy.Identity, (await survivor.TryAdmitAsync(onSurvivor, "erin", 2, NewLease())).RefusedBy);
        Admission late = default;
        await Eventually.HoldsAsync(() =>
        {
            late = survivor.TryAdmitAsync(onSurvivor, "erin", 2, NewLease()).AsTask().Result;
            return late.Admitted;
        }, Patience, "the dead node's places free");
        var waited = TimeSpan.FromMilliseconds(Environment.TickCount64 - died);

        Assert.InRange(waited, TimeSpan.Zero, ttl + (ttl / 3) + TimeSpan.FromSeconds(2));
        Assert.Equal(1, await nodes.LeasesAsync("pg", "erin"));
        Assert.Equal(1, await nodes.LeasesAsync("pg", "frank"));
        Assert.False(own.IsReleased);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
