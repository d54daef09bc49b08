using Usher.Testing;

namespace Usher.Gateway.Tests.Quotas;

public sealed class ConcurrentConnectTests
{
    [Fact]
    public async Task OneHundredRacingConnectsAgainstALimitOfTenAdmitExactlyTen()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 10));
        var scope = gateway.Gateway.Listeners[0].Context.Scope;

        var clients = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(_ => Task.Run(() => TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1"))));
        try
        {
            var admitted = await Task.WhenAll(clients.Select(c => c.IsAdmittedAsync()));

            Assert.Equal(10, admitted.Count(a => a));
            Assert.Equal(10, gateway.Gateway.Ledger.Count(scope, "127.0.0.1"));
            Assert.Equal(10, gateway.Gateway.Ledger.Total);
            await backend.WaitUntilAsync(b => b.Open == 10, TimeSpan.FromSeconds(10));
            Assert.Equal(10, backend.Accepted);
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }
}
