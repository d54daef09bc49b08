using Usher.Ledger;
using Usher.Sessions;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>The waiting line across nodes (<see cref="ISessionLedger.AdmitOrWaitAsync"/>, used by ClosingWait and the
/// OnLimit policies): kept in Redis beside the counters, handed over by the release's script, the waiting node told
/// by pub/sub.</summary>
public sealed class RedisWaitingLineTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static long s_ids;

    private static SessionLease NewLease() => new(Interlocked.Increment(ref s_ids));

    [Fact]
    public async Task A_release_on_one_node_hands_the_place_to_the_newcomer_waiting_on_another()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var b = await nodes.StartAsync("gw-b");
        var onA = a.CreateScope("pg", null);
        var onB = b.CreateScope("pg", null);
        var holder = NewLease();
        Assert.True((await a.TryAdmitAsync(onA, "kim", 1, holder)).Admitted);
        var heir = NewLease();
        using var cancel = new CancellationTokenSource();

        var waiting = b.AdmitOrWaitAsync(onB, "kim", 1, heir, cancel.Token).AsTask();
        await Usher.Testing.Eventually.HoldsAsync(() => b.Waiting(onB, "kim") == 1, Patience, "the newcomer in line");
        Assert.Equal(RefusedBy.Identity, (await a.TryAdmitAsync(onA, "kim", 1, NewLease())).RefusedBy);
        Assert.False(waiting.IsCompleted);
        holder.Release(CloseReason.ClientClosed);
        var admission = await waiting.WaitAsync(Patience);

        Assert.True(admission.Admitted);
        Assert.Same(heir, admission.Lease);
        Assert.Equal(1, b.Total);
        Assert.Equal(0, b.Waiting(onB, "kim"));
        var member = Assert.Single(await nodes.MembersAsync("pg", "kim"));
        Assert.StartsWith("gw-b/", member, StringComparison.Ordinal);
        Assert.EndsWith("/" + heir.SessionId, member, StringComparison.Ordinal);
        Assert.Equal(RefusedBy.Identity, (await a.TryAdmitAsync(onA, "kim", 1, NewLease())).RefusedBy);
        heir.Release(CloseReason.ClientClosed);
        Assert.True((await a.TryAdmitAsync(onA, "kim", 1, NewLease())).Admitted);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_line_and_the_next_release_frees_the_place()
    {
        await using var nodes = new LedgerNodes(redis);
        var a = await nodes.StartAsync("gw-a");
        var b = await nodes.StartAsync("gw-b");
        var onA = a.CreateScope("pg", null);
        var onB = b.CreateScope("pg", null);
        var holder = NewLease();
        Assert.True((await a.TryAdmitAsync(onA, "lou", 1, holder)).Admitted);
        using var cancel = new CancellationTokenSource();

        var waiting = b.AdmitOrWaitAsync(onB, "lou", 1, NewLease(), cancel.Token).AsTask();
        await Usher.Testing.Eventually.HoldsAsync(() => b.Waiting(onB, "lou") == 1, Patience, "the newcomer in line");
        await cancel.CancelAsync();
        var refusal = await waiting.WaitAsync(Patience);

        Assert.False(refusal.Admitted);
        Assert.Equal(RefusedBy.Identity, refusal.RefusedBy);
        Assert.Equal(0, b.Waiting(onB, "lou"));
        var db = await nodes.ObserveAsync();
        Assert.Equal(0, await db.ListLengthAsync($"{nodes.Prefix}:{{pg:lou}}:line"));
        holder.Release(CloseReason.ClientClosed);
        await Usher.Testing.Eventually.HoldsAsync(() => nodes.LeasesAsync("pg", "lou").Result == 0, Patience, "the place freed, not handed");
        Assert.True((await b.TryAdmitAsync(onB, "lou", 1, NewLease())).Admitted);
    }

    [Fact]
    public async Task A_waiter_whose_node_died_is_passed_over_by_the_hand_off()
    {
        var ttl = TimeSpan.FromSeconds(3);
        await using var nodes = new LedgerNodes(redis, leaseTtl: ttl);
        var a = await nodes.StartAsync("gw-a");
        var dying = await nodes.StartAsync("gw-dead");
        var c = await nodes.StartAsync("gw-c");
        var onA = a.CreateScope("pg", null);
        var holder = NewLease();
        Assert.True((await a.TryAdmitAsync(onA, "max", 1, holder)).Admitted);
        using var never = new CancellationTokenSource();
        var onDying = dying.CreateScope("pg", null);
        _ = dying.AdmitOrWaitAsync(onDying, "max", 1, NewLease(), never.Token).AsTask();
        await Usher.Testing.Eventually.HoldsAsync(() => dying.Waiting(onDying, "max") == 1, Patience, "the doomed newcomer in line");
        await dying.DisposeAsync();

        // Within LeaseTtl the dead node's entry expires; the live waiter behind it is handed the place.
        var onC = c.CreateScope("pg", null);
        await Usher.Testing.Eventually.HoldsAsync(() => DeadWaiterExpired(nodes).Result, Patience, "the dead waiter expired");
        var heir = NewLease();
        var waiting = c.AdmitOrWaitAsync(onC, "max", 1, heir, never.Token).AsTask();
        holder.Release(CloseReason.ClientClosed);
        var admission = await waiting.WaitAsync(Patience);

        Assert.True(admission.Admitted);
        Assert.StartsWith("gw-c/", Assert.Single(await nodes.MembersAsync("pg", "max")), StringComparison.Ordinal);
    }

    private static async Task<bool> DeadWaiterExpired(LedgerNodes nodes)
    {
        var db = await nodes.ObserveAsync();
        var time = (StackExchange.Redis.RedisResult[])(await db.ExecuteAsync("TIME"))!;
        var now = (long)time[0] * 1000.0 + (long)time[1] / 1000;
        return await db.SortedSetLengthAsync($"{nodes.Prefix}:{{pg:max}}:waiters", now, double.PositiveInfinity) == 0;
    }
}
