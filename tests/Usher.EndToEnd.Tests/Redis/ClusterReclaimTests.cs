using System.Diagnostics;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Reclaim and the waiting line across nodes, with real <c>usher run</c> processes sharing one redis-server: a
/// vanished client holding the identity's last place on node A is probed there for a newcomer on node B
/// (ReclaimDead), and a session that ends on A hands its place to the newcomer waiting on B (ClosingWait).</summary>
public sealed class ClusterReclaimTests(RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    /// <summary>The listeners' ProbeInterval × ProbeCount.</summary>
    private static readonly TimeSpan ProbeBudget = TimeSpan.FromSeconds(2);

    /// <summary>The PROXY header both clients send: one identity (the address it names) from two places.</summary>
    private const string ProxyHeader = "PROXY TCP4 192.0.2.7 192.0.2.1 5000 80\r\n";

    [Fact]
    public async Task A_vanished_client_holding_the_last_place_on_node_a_is_reclaimed_for_the_user_returning_through_node_b()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis, 2, $$"""
            [ { "Name": "tcp", "Listen": "{{ns.HostAddress}}:0", "Backend": "{{backend.EndPoint}}", "TrustedProxies": [ "0.0.0.0/0" ],
                "MaxSessionsPerIdentity": 1, "OnLimit": "ReclaimDead", "ReclaimWait": "00:00:15",
                "ProbeMinIdle": "00:00:00", "ProbeInterval": "00:00:01", "ProbeCount": 2 } ]
            """);
        var (a, b) = (cluster["gw-a"], cluster["gw-b"]);
        await using var vanishing = ns.Start("bash", "-c",
            $"exec 3<>/dev/tcp/{a.Listen.Address}/{a.Listen.Port} || exit 1; printf '{ProxyHeader.Replace("\r\n", "\\r\\n", StringComparison.Ordinal)}' >&3; head -n 1 <&3; exec sleep 60");
        Assert.StartsWith("hello", await vanishing.WaitForLineAsync(l => l.Length > 0, EndToEnd.Soon), StringComparison.Ordinal);
        await ns.CutOffAsync();

        var connecting = Stopwatch.StartNew();
        using var newcomer = await TestClient.ConnectAsync(b.Listen);
        await newcomer.SendAsync(ProxyHeader);
        Assert.True(await newcomer.IsAdmittedAsync(), "the newcomer on node B was not admitted");
        var admittedAfter = connecting.Elapsed;
        output.WriteLine($"admitted through gw-b {admittedAfter.TotalSeconds:0.00} s after its connect");

        // Node A probed its idle session for B's newcomer and found the client dead; its release handed the place over.
        var probed = Assert.Single(a.Entries(9663));
        Assert.Contains("a reclaim for", probed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Contains("on node gw-b", probed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        await a.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9642", StringComparison.Ordinal)
            && l.Contains("ClientDead", StringComparison.Ordinal), EndToEnd.Soon);
        Assert.Empty(b.Entries(9646));
        var bound = ProbeBudget + TimeSpan.FromSeconds(1);
        Assert.True(admittedAfter <= bound + Slack,
            $"admitted {admittedAfter.TotalSeconds:0.00} s after its connect; ProbeInterval × ProbeCount + 1 s is {bound.TotalSeconds} s");
        await newcomer.SendAsync("back\n");
        Assert.Equal("back\n", await newcomer.ReadAsync());
    }

    [Fact]
    public async Task A_session_that_ends_on_node_a_hands_its_place_to_the_newcomer_waiting_on_node_b()
    {
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis, 2, $$"""
            [ { "Name": "tcp", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 1, "ClosingWait": "00:00:20" } ]
            """);
        var (a, b) = (cluster["gw-a"], cluster["gw-b"]);
        var held = await TestClient.ConnectAsync(a.Listen, "127.0.0.2");
        Assert.True(await held.IsAdmittedAsync());

        using var newcomer = await TestClient.ConnectAsync(b.Listen, "127.0.0.2");
        // It waits in the identity's line on B: the one place is A's.
        await Eventually.HoldsAsync(() => b.Entries(9640).Any(), EndToEnd.Soon, "gw-b logs its listener");
        Assert.False(newcomer.Socket.Poll(TimeSpan.FromMilliseconds(500), System.Net.Sockets.SelectMode.SelectRead), "admitted past the limit");

        var closing = Stopwatch.StartNew();
        held.Dispose();
        Assert.True(await newcomer.IsAdmittedAsync(), "the newcomer waiting on node B was not admitted");
        var admittedAfter = closing.Elapsed;
        output.WriteLine($"admitted through gw-b {admittedAfter.TotalSeconds:0.00} s after the session on gw-a closed");

        await a.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9642", StringComparison.Ordinal)
            && l.Contains("ClientClosed", StringComparison.Ordinal), EndToEnd.Soon);
        Assert.Empty(b.Entries(9646));
        Assert.True(admittedAfter < TimeSpan.FromSeconds(10), $"admitted {admittedAfter.TotalSeconds:0.00} s after the close, not by the hand-off");
    }

    /// <summary>What a busy shared machine adds to the bound: process scheduling, the bus and Redis round trips.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);
}
