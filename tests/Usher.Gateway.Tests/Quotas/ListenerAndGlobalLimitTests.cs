using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

public sealed class ListenerAndGlobalLimitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TheListenersMaxSessionsRefusesANewAddressWithScopeListener()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessions: 3));
        var clients = new List<TestClient>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                clients.Add(await TestClient.ConnectAsync(gateway.EndPoint, $"127.0.0.{i}"));
                Assert.True(await clients[^1].IsAdmittedAsync());
            }

            using (var fourth = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.4"))
            {
                Assert.Null(await fourth.ReadAsync(Wait));
            }

            var e = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
            Assert.Equal("listener", e["Scope"]);
            Assert.Equal("127.0.0.4", e["Identity"]);
            Assert.Equal(3, e["Limit"]);
            Assert.Equal(3, e["Count"]);
            Assert.Equal(3, backend.Accepted);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task TheProcessWideMaxSessionsRefusesAcrossListenersWithScopeGlobal()
    {
        await using var backend = new SessionServer();
        var settings = new GatewaySettings
        {
            MaxSessions = 2,
            ShutdownGrace = TimeSpan.Zero,
            Listeners = [TestGateway.Listener(backend.EndPoint, "a"), TestGateway.Listener(backend.EndPoint, "b")],
        };
        await using var gateway = TestGateway.Start(settings);
        var a = gateway.Gateway.Listener("a").LocalEndPoint;
        var b = gateway.Gateway.Listener("b").LocalEndPoint;

        using var first = await TestClient.ConnectAsync(a, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());
        using var second = await TestClient.ConnectAsync(b, "127.0.0.2");
        Assert.True(await second.IsAdmittedAsync());
        using (var third = await TestClient.ConnectAsync(b, "127.0.0.3"))
        {
            Assert.Null(await third.ReadAsync(Wait));
        }

        var e = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
        Assert.Equal("global", e["Scope"]);
        Assert.Equal("b", e["Listener"]);
        Assert.Equal(2, e["Limit"]);
        Assert.Equal(2, e["Count"]);
        Assert.Equal(2, gateway.Gateway.Ledger.Total);
        Assert.Equal(2, backend.Accepted);
    }
}
