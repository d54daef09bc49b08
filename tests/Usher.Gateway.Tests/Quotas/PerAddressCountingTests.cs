using Usher.Diagnostics;
using Usher.Ledger;
using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

public sealed class PerAddressCountingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TwoSourceAddressesAreCountedApart()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 2));
        var scope = gateway.Gateway.Listeners[0].Context.Scope;
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                clients.Add(await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2"));
                Assert.True(await clients[^1].IsAdmittedAsync());
            }

            using (var third = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2"))
            {
                Assert.Null(await third.ReadAsync(Wait));
            }

            for (var i = 0; i < 2; i++)
            {
                clients.Add(await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.3"));
                Assert.True(await clients[^1].IsAdmittedAsync(), "127.0.0.3 must not be counted with 127.0.0.2");
            }

            Assert.Equal(2, gateway.Gateway.Ledger.Count(scope, "127.0.0.2"));
            Assert.Equal(2, gateway.Gateway.Ledger.Count(scope, "127.0.0.3"));
            Assert.Equal(
                [KeyValuePair.Create("127.0.0.2", 2), KeyValuePair.Create("127.0.0.3", 2)],
                InMemorySessionLedger.Identities(scope).OrderBy(p => p.Key, StringComparer.Ordinal));
            var refusal = Assert.Single(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
            Assert.Equal("127.0.0.2", refusal["Identity"]);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
