using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Two real <c>usher run</c> processes with one <c>Ledger:Node</c> (a copied configuration, or the machine's
/// name on a machine that runs two): requests for the name would reach both, and a kill of <c>twin:1</c> end a session
/// 1 on each. One of them holds the name; the other says so (9666) and answers no cluster request meanwhile.</summary>
public sealed class NodeNameTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] Names = ["twin", "twin", "gw-c"];

    [Fact]
    public async Task Of_two_live_nodes_with_one_name_one_logs_9666_and_a_kill_of_name_and_id_from_a_third_node_ends_one_session_not_two()
    {
        await using var backend = new SessionServer();
        var prefix = "usher-test-" + Guid.NewGuid().ToString("N")[..8];
        var listeners = $$"""[ { "Name": "tcp", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 4 } ]""";
        const string ledger = "\"LeaseTtl\": \"00:00:03\"";
        var starting = Names.Select(name => GatewayNode.StartAsync(name, GatewayCluster.Config(redis.Configuration, name, prefix, listeners, ledger)))
            .ToList();
        await using var first = await starting[0];
        await using var second = await starting[1];
        await using var third = await starting[2];

        // Each renews its announcement every second (LeaseTtl / 3): the one that does not hold the name finds it taken.
        await Eventually.HoldsAsync(() => first.Entries(9666).Any() || second.Entries(9666).Any(), Timeout,
            "one of the twins logs 9666");
        var (holder, twin) = first.Entries(9666).Any() ? (second, first) : (first, second);
        var taken = Assert.Single(twin.Entries(9666));
        Assert.Equal("Error", taken.GetProperty("LogLevel").GetString());
        Assert.Contains("Another live process announces the node name twin", taken.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Ledger:Node", taken.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Empty(holder.Entries(9666));

        // A session on each twin: each process's first, so both are session 1.
        using var onHolder = await TestClient.ConnectAsync(holder.Listen, "127.0.0.2");
        Assert.True(await onHolder.IsAdmittedAsync());
        using var onTwin = await TestClient.ConnectAsync(twin.Listen, "127.0.0.3");
        Assert.True(await onTwin.IsAdmittedAsync());

        var kill = await UsherCli.RunAsync(Timeout, "kill", "twin:1", "--admin", third.Admin);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Null(await onHolder.ReadAsync(Timeout));
        await holder.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9653", StringComparison.Ordinal), Timeout);
        // The other twin's session 1 lives on: it heard nothing.
        await onTwin.SendAsync("still here\n");
        Assert.Equal("still here\n", await onTwin.ReadAsync());
        Assert.Empty(twin.Entries(9653));
    }
}
