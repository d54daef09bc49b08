using System.Net;
using System.Text.Json;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Cluster-wide operations with three real <c>usher run</c> processes sharing one redis-server: listing,
/// identities and kill across nodes, through the admin API and the CLI.</summary>
public sealed class ClusterOperationsTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kill_through_node_a_closes_a_session_held_on_node_b_and_sessions_on_c_lists_both()
    {
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis, 3,
            $$"""[ { "Name": "tcp", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 4 } ]""");
        var (a, b, c) = (cluster["gw-a"], cluster["gw-b"], cluster["gw-c"]);
        using var onA = await TestClient.ConnectAsync(a.Listen, "127.0.0.2");
        using var onB = await TestClient.ConnectAsync(b.Listen, "127.0.0.2");
        Assert.True(await onA.IsAdmittedAsync());
        Assert.True(await onB.IsAdmittedAsync());

        var table = await UsherCli.RunAsync(Timeout, "sessions", "--admin", c.Admin);
        var json = await UsherCli.RunAsync(Timeout, "sessions", "--admin", c.Admin, "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NODE", lines[0], StringComparison.Ordinal);
        Assert.Equal(["gw-a", "gw-b"], lines.Skip(1).Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal));
        Assert.True(json.ExitCode == 0, json.ToString());
        using var sessions = JsonDocument.Parse(json.Output);
        var rows = sessions.RootElement.EnumerateArray().ToList();
        Assert.Equal(["gw-a", "gw-b"], rows.Select(r => r.GetProperty("node").GetString()).Order(StringComparer.Ordinal));
        var held = rows.Single(r => r.GetProperty("node").GetString() == "gw-b").GetProperty("id").GetInt64();

        using var http = new HttpClient { BaseAddress = new Uri(c.Admin) };
        using var identities = JsonDocument.Parse(await http.GetStringAsync("/api/identities"));
        var identity = Assert.Single(identities.RootElement.EnumerateArray());
        Assert.Equal("127.0.0.2", identity.GetProperty("identity").GetString());
        Assert.Equal(2, identity.GetProperty("open").GetInt32());
        Assert.Equal(1, identity.GetProperty("nodes").GetProperty("gw-a").GetInt32());
        Assert.Equal(1, identity.GetProperty("nodes").GetProperty("gw-b").GetInt32());

        var kill = await UsherCli.RunAsync(Timeout, "kill", $"gw-b:{held}", "--admin", a.Admin);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Equal($"killed session gw-b:{held}", kill.Output.Trim());
        // The client on B sees its connection closed; the one on A keeps relaying.
        Assert.Null(await onB.ReadAsync(Timeout));
        await b.Process.WaitForLineAsync(l => l.Contains("\"EventId\":9642", StringComparison.Ordinal) && l.Contains("Killed", StringComparison.Ordinal), Timeout);
        var killed = Assert.Single(b.Entries(9653));
        Assert.Contains("on node gw-a", killed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        await onA.SendAsync("still here\n");
        Assert.Equal("still here\n", await onA.ReadAsync());

        using var again = await http.DeleteAsync($"/api/sessions/{held}?node=gw-b");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Contains($"no open session has id {held} on node gw-b", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var nowhere = await http.DeleteAsync($"/api/sessions/gw-x:{held}");
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);
        using var problem = JsonDocument.Parse(await nowhere.Content.ReadAsStringAsync());
        Assert.Equal("no node named \"gw-x\" is alive; the nodes alive are gw-c, gw-a, gw-b", problem.RootElement.GetProperty("detail").GetString());
    }
}
