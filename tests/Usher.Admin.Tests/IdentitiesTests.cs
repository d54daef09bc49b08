using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>GET /api/identities</c>: open count and effective limit per listener and identity, busiest first.</summary>
public sealed class IdentitiesTests
{
    [Fact]
    public async Task Identities_are_sorted_by_open_sessions_with_their_overrides_applied()
    {
        await using var backend = new SessionServer();
        var overrides = new Dictionary<string, int> { ["127.0.0.2"] = 10 };
        await using var admin = await TestAdmin.StartAsync(listeners:
        [
            TestGateway.Listener(backend.EndPoint, "a").With(maxSessionsPerIdentity: 5, overrides: overrides),
            TestGateway.Listener(backend.EndPoint, "b").With(maxSessionsPerIdentity: 3),
        ]);
        var a = admin.Gateway.Gateway.Listener("a").LocalEndPoint;
        var b = admin.Gateway.Gateway.Listener("b").LocalEndPoint;
        var clients = new List<TestClient>
        {
            await TestClient.ConnectAsync(a, "127.0.0.1"),
            await TestClient.ConnectAsync(a, "127.0.0.2"),
            await TestClient.ConnectAsync(a, "127.0.0.2"),
            await TestClient.ConnectAsync(a, "127.0.0.2"),
            await TestClient.ConnectAsync(b, "127.0.0.2"),
            await TestClient.ConnectAsync(b, "127.0.0.2"),
        };
        try
        {
            foreach (var c in clients)
            {
                Assert.True(await c.IsAdmittedAsync());
            }

            var all = (await admin.GetJsonAsync("/api/identities")).EnumerateArray()
                .Select(i => (i.GetProperty("listener").GetString(), i.GetProperty("identity").GetString(), i.GetProperty("kind").GetString(),
                    i.GetProperty("open").GetInt32(), i.GetProperty("limit").GetInt32(), i.GetProperty("override").GetBoolean()))
                .ToArray();
            var onlyB = (await admin.GetJsonAsync("/api/identities?listener=b")).EnumerateArray()
                .Select(i => i.GetProperty("identity").GetString()!).ToArray();

            Assert.Equal(
            [
                ("a", "127.0.0.2", "SourceIp", 3, 10, true),
                ("b", "127.0.0.2", "SourceIp", 2, 3, false),
                ("a", "127.0.0.1", "SourceIp", 1, 5, false),
            ], all);
            Assert.Equal(["127.0.0.2"], onlyB);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
