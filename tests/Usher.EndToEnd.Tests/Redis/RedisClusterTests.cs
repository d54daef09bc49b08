using System.Text.Json;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Two real <c>usher run</c> nodes on a real Redis Cluster (three primaries): each identity's keys share one
/// slot (its hash tag), identities spread over the primaries, and the cluster bus reaches a node whatever primary it
/// subscribed through (a PUBLISH there counts only that primary's subscribers).</summary>
public sealed class RedisClusterTests(RedisClusterSet redis) : IClassFixture<RedisClusterSet>
{
    private const int Limit = 2;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_nodes_hold_each_identity_to_its_limit_across_them_list_each_others_sessions_and_kill_across_them()
    {
        await using var backend = new SessionServer();
        await using var cluster = await GatewayCluster.StartAsync(redis.Configuration, 2, FieldListeners.Json(backend, Limit),
            ledger: "\"FailMode\": \"Closed\", \"Timeout\": \"00:00:04\"", usher: FieldListeners.Usher);
        var (a, b) = (cluster["gw-a"], cluster["gw-b"]);
        var identities = Enumerable.Range(2, 6).Select(i => $"127.0.0.{i}").ToList();
        var held = new List<(string Identity, GatewayNode Node, TestClient Client)>();
        var refused = new List<TestClient>();
        try
        {
            // Three tries per identity, through A, B, A: the third finds the limit held across the two nodes.
            foreach (var identity in identities)
            {
                for (var i = 0; i < Limit + 1; i++)
                {
                    var node = i % 2 == 0 ? a : b;
                    var client = await TestClient.ConnectAsync(node.Listen, identity);
                    if (await client.IsAdmittedAsync())
                    {
                        held.Add((identity, node, client));
                    }
                    else
                    {
                        refused.Add(client);
                    }
                }
            }

            Assert.All(identities, i => Assert.Equal(Limit, held.Count(h => h.Identity == i)));
            Assert.Equal(identities.Count, refused.Count);
            await backend.WaitUntilAsync(s => s.Open == identities.Count * Limit, EndToEnd.Soon);
            var keys = await redis.KeyCountsAsync();
            Assert.True(keys.Count(k => k > 0) >= 2, $"the identities' keys on one primary only: {string.Join(", ", keys)}");

            var listing = await UsherCli.RunAsync(Timeout, "sessions", "--admin", a.Admin, "--json");
            Assert.True(listing.ExitCode == 0, listing.ToString());
            using var sessions = JsonDocument.Parse(listing.Output);
            var rows = sessions.RootElement.EnumerateArray().ToList();
            Assert.Equal(held.Count, rows.Count);
            Assert.Equal(held.Count(h => h.Node == b), rows.Count(r => r.GetProperty("node").GetString() == "gw-b"));

            var onB = held.First(h => h.Node == b);
            var id = rows.First(r => r.GetProperty("node").GetString() == "gw-b"
                && r.GetProperty("identity").GetProperty("value").GetString() == onB.Identity).GetProperty("id").GetInt64();
            var kill = await UsherCli.RunAsync(Timeout, "kill", $"gw-b:{id}", "--admin", a.Admin);

            Assert.True(kill.ExitCode == 0, kill.ToString());
            Assert.Null(await onB.Client.ReadAsync(Timeout));
            // Its place is free across the nodes: the identity gets in through A.
            using var again = await TestClient.ConnectAsync(a.Listen, onB.Identity);
            Assert.True(await again.IsAdmittedAsync(), a.Process.Describe());
        }
        finally
        {
            held.ForEach(h => h.Client.Dispose());
            refused.ForEach(c => c.Dispose());
        }
    }
}
