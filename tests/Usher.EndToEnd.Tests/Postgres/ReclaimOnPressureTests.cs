using System.Diagnostics;
using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>The Exchange 9646 story (docs/origin.md) with a real PostgreSQL: alice's laptop (namespace A) holds her
/// two sessions and drops off its VPN without a FIN or a RST; alice comes back from another network (namespace B).
/// The listener keeps the operating system's keepalive (2 h 11 min), so only a reclaim can free the dead sessions.
/// <para>Network: one listener, bound to the host's address on A's link; B reaches it through a host route over its
/// own link (the host delivers it locally, no forwarding needed). Both laptops are counted by one listener's quota, as
/// in the story, where one server counts the user wherever she connects from.</para>
/// <para>A's psql sessions run <c>select pg_sleep(600)</c> with <c>client_connection_check_interval</c> set, so that
/// PostgreSQL ends a backend whose connection the gateway closed while it sleeps (without it the backend would run its
/// query to the end before reading the close).</para></summary>
[Collection(PostgresCollection.Name)]
public sealed class ReclaimOnPressureTests(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ReclaimWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeMinIdle = TimeSpan.FromSeconds(1);
    private readonly string _marker = $"usher-reclaim-{Guid.NewGuid():N}";
    private Netns? _laptop;
    private Netns? _elsewhere;

    private Netns Laptop => _laptop!;

    private Netns Elsewhere => _elsewhere!;

    /// <summary>alice's two held sessions as PostgreSQL lists them.</summary>
    private string HeldSessionsSql => $"select count(*) from pg_stat_activity where usename = 'alice' and query like 'select ''{_marker}''%'";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await postgres.CreateRolesAsync("alice");
        _laptop = await Netns.CreateAsync();
        _elsewhere = await Netns.CreateAsync();
        var route = await Elsewhere.RunAsync("ip", "route", "add", $"{Laptop.HostAddress}/32", "via", Elsewhere.HostAddress.ToString());
        Assert.True(route.ExitCode == 0, $"route from {Elsewhere} to {Laptop.HostAddress}: {route}");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_elsewhere is not null)
        {
            await _elsewhere.DisposeAsync();
        }

        if (_laptop is not null)
        {
            await _laptop.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReclaimDead_lets_alice_back_in_from_elsewhere_within_ReclaimWait_after_her_laptop_vanished_with_two_sessions()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.ReclaimDead));
        var held = await HoldTwoSessionsFromTheLaptopAsync(gateway);

        await Laptop.CutOffAsync();
        var back = Stopwatch.StartNew();
        var result = await PsqlFromElsewhereAsync(gateway, "select 'back in'");
        output.WriteLine($"alice back in after {back.Elapsed.TotalSeconds:0.00} s: {result}");

        Assert.True(result.ExitCode == 0, $"{result}{Environment.NewLine}{gateway.Logs.Dump()}");
        Assert.Equal("back in", result.Output.Trim());
        var started = await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, EndToEnd.Soon);
        Assert.Equal("alice", started["Identity"]);
        Assert.Equal(2, started["Candidates"]);

        // Both dead sessions were reclaimed (the first one freed the slot), each logged as 9647 and closed as Reclaimed.
        await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, EndToEnd.Soon, r => (long)r["SessionId"]! == held[1]);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, EndToEnd.Soon, r => (long)r["SessionId"]! == held[0]);
        Assert.All(gateway.Logs.WithId(UsherEvents.SessionReclaimed), r =>
        {
            Assert.Equal("alice", r["Identity"]);
            Assert.Equal(CloseReason.Reclaimed, r["CloseReason"]);
            Assert.Equal(Elsewhere.Address, ((IPEndPoint)r["NewClient"]!).Address);
        });
        foreach (var id in held)
        {
            var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (long)r["SessionId"]! == id);
            Assert.Equal(CloseReason.Reclaimed, closed["CloseReason"]);
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));

        // PostgreSQL's own backends of the vanished laptop are gone too: the gateway closed them in order.
        await postgres.WaitForCountAsync(HeldSessionsSql, 0, EndToEnd.Soon, gateway.Logs.Dump);
        await WaitForNoSessionsAsync(gateway);
    }

    [Fact]
    public async Task Reject_refuses_alice_from_elsewhere_at_once_with_53300_and_9646_while_the_dead_sessions_hold_her_slots()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.Reject));
        await HoldTwoSessionsFromTheLaptopAsync(gateway);

        await Laptop.CutOffAsync();
        var refused = Stopwatch.StartNew();
        var result = await PsqlFromElsewhereAsync(gateway, "select 'back in'");
        output.WriteLine($"alice refused after {refused.Elapsed.TotalSeconds:0.00} s: {result}");

        Assert.True(result.ExitCode != 0, $"alice must be refused: {result}");
        Assert.Contains("too many connections for role \"alice\"", result.Errors, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal(2, refusal["Limit"]);
        Assert.Equal(2, refusal["Count"]);
        Assert.Equal("Reject", refusal["Policy"]);
        Assert.Equal(Elsewhere.Address, ((IPEndPoint)refusal["Client"]!).Address);
        Assert.True(refused.Elapsed < ReclaimWait, $"a rejection does not wait: {refused.Elapsed.TotalSeconds:0.00} s");

        // Nothing reclaims them: the dead sessions still hold both slots, and PostgreSQL still runs their queries.
        Assert.Empty(gateway.Logs.WithId(UsherEvents.ReclaimStarted));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Equal(2, gateway.SessionsOf("alice"));
        Assert.Equal(2, await postgres.CountAsync(HeldSessionsSql));
    }

    [Fact]
    public async Task ReclaimDead_keeps_the_sessions_of_a_live_but_silent_laptop_and_refuses_alice_from_elsewhere_after_ReclaimWait()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.ReclaimDead));
        var held = await HoldTwoSessionsFromTheLaptopAsync(gateway);

        // The laptop stays connected, only silent: its kernel answers the probes.
        var waited = Stopwatch.StartNew();
        var result = await PsqlFromElsewhereAsync(gateway, "select 'back in'");
        output.WriteLine($"alice refused after {waited.Elapsed.TotalSeconds:0.00} s: {result}");

        Assert.True(result.ExitCode != 0, $"alice must be refused: {result}");
        Assert.Contains("too many connections for role \"alice\"", result.Errors, StringComparison.Ordinal);
        Assert.True(waited.Elapsed >= ReclaimWait - TimeSpan.FromMilliseconds(200),
            $"the newcomer waits ReclaimWait ({ReclaimWait.TotalSeconds} s) for a reclaim, refused after {waited.Elapsed.TotalSeconds:0.00} s");
        var started = await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, EndToEnd.Soon);
        Assert.Equal(2, started["Candidates"]);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal("ReclaimDead", refusal["Policy"]);

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionClosed));
        Assert.Equal(2, gateway.SessionsOf("alice"));
        Assert.Equal(held.Order(), gateway.Gateway.Registry.Of("pg-reclaim", "alice").Select(s => s.Record.Id).Order());
        Assert.Equal(2, await postgres.CountAsync(HeldSessionsSql));

        // The probed sockets got their own keepalive back (the operating system's 7200 s / 75 s / 9, no user timeout).
        await WaitUntilAsync(() => gateway.Gateway.Registry.Of("pg-reclaim", "alice").All(s => !s.Probing), EndToEnd.Soon, "probes ended");
    }

    /// <summary>Two psql of alice on the laptop, each sleeping in a query; returns their gateway session ids once
    /// PostgreSQL runs both queries and both sessions have idled past ProbeMinIdle (only those are probed).</summary>
    private async Task<long[]> HoldTwoSessionsFromTheLaptopAsync(TestGateway gateway)
    {
        var conninfo = PostgresServer.Conninfo(gateway.EndPoint.Address, gateway.EndPoint.Port, "alice", "-c client_connection_check_interval=1000");
        var sql = $"select '{_marker}', pg_sleep(600)";
        var first = Laptop.Start(postgres.Psql, PostgresServer.PsqlArguments(conninfo, sql));
        var second = Laptop.Start(postgres.Psql, PostgresServer.PsqlArguments(conninfo, sql));
        await postgres.WaitForCountAsync(HeldSessionsSql + " and state = 'active'", 2, EndToEnd.Soon,
            () => $"{first.Describe()}{Environment.NewLine}{second.Describe()}{Environment.NewLine}{gateway.Logs.Dump()}");
        Assert.Equal(2, gateway.SessionsOf("alice"));
        var sessions = gateway.Gateway.Registry.Of("pg-reclaim", "alice").ToArray();
        Assert.All(sessions, s => Assert.Equal(Laptop.Address, ((IPEndPoint)s.Record.Client).Address));

        var idle = (long)(ProbeMinIdle + TimeSpan.FromMilliseconds(500)).TotalMilliseconds;
        await WaitUntilAsync(() => sessions.All(s => Environment.TickCount64 - s.Record.LastActivityTicks >= idle), EndToEnd.Soon,
            "both sessions idle past ProbeMinIdle");
        return [.. sessions.Select(s => s.Record.Id).Order()];
    }

    private Task<ProcessResult> PsqlFromElsewhereAsync(TestGateway gateway, string sql) =>
        Elsewhere.RunAsync(postgres.Psql, PostgresServer.PsqlArguments(PostgresServer.Conninfo(gateway.EndPoint.Address, gateway.EndPoint.Port, "alice"), sql));

    /// <summary>One listener for both namespaces: PostgreSQL roles, 2 sessions each, the operating system's keepalive.</summary>
    private ListenerSettings Listener(OnLimitPolicy policy) => new()
    {
        Name = "pg-reclaim",
        Listen = new IPEndPoint(Laptop.HostAddress, 0),
        BackendHost = postgres.EndPoint.Address.ToString(),
        BackendPort = postgres.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = 2,
        OnLimit = policy,
        ReclaimWait = ReclaimWait,
        ProbeMinIdle = ProbeMinIdle,
        ProbeInterval = TimeSpan.FromSeconds(1),
        ProbeCount = 2,
        Keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(7200), TimeSpan.FromSeconds(75), 9),
        UserTimeout = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static async Task WaitForNoSessionsAsync(TestGateway gateway)
    {
        // The newcomer's own psql ended too: nothing is left counted.
        await WaitUntilAsync(() => gateway.Gateway.Ledger.Total == 0, EndToEnd.Soon, "no session left in the ledger");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout}: {what}");
            }

            await Task.Delay(50);
        }
    }
}
