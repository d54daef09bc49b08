using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

public sealed class SourceIpQuotaTests
{
    [Fact]
    public async Task RefusesThe33rdSessionOfOneAddressAndAdmitsAgainAfterOneCloses()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        var clients = new List<TestClient>();
        for (var i = 0; i < 32; i++)
        {
            var c = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
            Assert.True(await c.IsAdmittedAsync(), $"session {i + 1} should be admitted");
            clients.Add(c);
        }

        using (var refused = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1"))
        {
            Assert.Null(await refused.ReadAsync());
        }

        var e = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, TimeSpan.FromSeconds(5));
        Assert.Equal("127.0.0.1", e["Identity"]);
        Assert.Equal(32, e["Limit"]);
        Assert.Equal(32, backend.Accepted);

        clients[0].Dispose();
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(5));
        using var again = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.True(await again.IsAdmittedAsync());
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }
}
