using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

public sealed class OverrideQuotaTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AnOverrideOf40Admits40SessionsAndRefusesThe41st()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
            .With(overrides: new Dictionary<string, int> { ["127.0.0.1"] = 40 }));
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var c = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
                clients.Add(c);
                Assert.True(await c.IsAdmittedAsync(), $"session {i + 1} should be admitted");
            }

            using var refused = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
            Assert.Null(await refused.ReadAsync(Wait));

            var e = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
            Assert.Equal(40, e["Limit"]);
            Assert.Equal(40, e["Count"]);
            Assert.Equal("identity", e["Scope"]);
            Assert.Equal(40, backend.Accepted);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task AnOverrideOfZeroRefusesTheFirstSessionWhileOtherAddressesAreAdmitted()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
            .With(overrides: new Dictionary<string, int> { ["127.0.0.2"] = 0 }));

        using (var blocked = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2"))
        {
            Assert.Null(await blocked.ReadAsync(Wait));
        }

        var e = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
        Assert.Equal("127.0.0.2", e["Identity"]);
        Assert.Equal(0, e["Limit"]);
        Assert.Equal(0, e["Count"]);

        using var other = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.3");
        Assert.True(await other.IsAdmittedAsync());
        Assert.Equal(1, backend.Accepted);
    }
}
