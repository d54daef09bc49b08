using Usher.Testing;

namespace Usher.Gateway.Tests.Sessions;

/// <summary>The registry's index by listener and identity, which reclaim uses instead of walking every session.</summary>
public sealed class SessionIndexTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TheIndexHoldsExactlyTheOpenSessionsOfAnIdentityAndForgetsTheIdentityWithItsLastSession()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(
            TestGateway.Listener(backend.EndPoint, name: "a"),
            TestGateway.Listener(backend.EndPoint, name: "b"));
        var registry = gateway.Gateway.Registry;
        var a = gateway.Gateway.Listener("a").LocalEndPoint;
        var b = gateway.Gateway.Listener("b").LocalEndPoint;
        var clients = new List<TestClient>();
        foreach (var endpoint in new[] { a, a, a, b })
        {
            var client = await TestClient.ConnectAsync(endpoint);
            Assert.True(await client.IsAdmittedAsync());
            clients.Add(client);
        }

        Assert.Equal(3, registry.Of("a", "127.0.0.1").Count);
        Assert.Single(registry.Of("b", "127.0.0.1"));
        Assert.Empty(registry.Of("a", "127.0.0.2"));
        Assert.Equal(2, registry.IndexedIdentities);

        clients[0].Dispose();
        await Eventually.HoldsAsync(() => registry.Of("a", "127.0.0.1").Count == 2, Wait, "the closed session left the index");
        Assert.All(registry.Of("a", "127.0.0.1"), s => Assert.Equal("a", s.Record.Listener));

        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Eventually.HoldsAsync(() => registry.IndexedIdentities == 0, Wait, "every identity left the index with its last session");
        Assert.Empty(registry.Sessions);
    }
}
