using System.Diagnostics;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Shutdown;

public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StoppingRefusesNewConnectsLetsSessionsEndOnTheirOwnDuringTheGraceAndClosesTheRestAsShutdown()
    {
        var grace = TimeSpan.FromSeconds(3);
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        var endPoint = gateway.EndPoint;
        var clients = new List<TestClient>();
        try
        {
            foreach (var from in new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3" })
            {
                clients.Add(await TestClient.ConnectAsync(endPoint, from));
                Assert.True(await clients[^1].IsAdmittedAsync());
            }

            var clock = Stopwatch.StartNew();
            var stopping = gateway.Gateway.StopAsync(grace);
            var draining = await gateway.Logs.WaitForAsync(UsherEvents.Draining, Wait);
            Assert.Equal(3, draining["Sessions"]);
            await Assert.ThrowsAnyAsync<SocketException>(() => TestClient.ConnectAsync(endPoint));

            Assert.False(stopping.IsCompleted, "the grace ended before the test could use it");
            clients[0].Dispose();
            var own = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait, r => (string?)r["Identity"] == "127.0.0.1");
            Assert.Equal(CloseReason.ClientClosed, own["CloseReason"]);

            await stopping.WaitAsync(grace + Wait);
            Assert.True(clock.Elapsed >= grace - TimeSpan.FromMilliseconds(50), $"stopped after {clock.Elapsed}, before the grace");

            foreach (var identity in new[] { "127.0.0.2", "127.0.0.3" })
            {
                var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait, r => (string?)r["Identity"] == identity);
                Assert.Equal(CloseReason.Shutdown, closed["CloseReason"]);
            }

            Assert.Equal(3, gateway.Logs.WithId(UsherEvents.SessionClosed).Count);
            Assert.Null(await clients[1].ReadAsync(Wait));
            Assert.Null(await clients[2].ReadAsync(Wait));
            Assert.Equal(0, gateway.Gateway.Ledger.Total);
            Assert.Empty(gateway.Gateway.Registry.Sessions);
            await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task StoppingEndsAsSoonAsTheLastSessionEndsWithinTheGrace()
    {
        var grace = TimeSpan.FromSeconds(30);
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());

        var clock = Stopwatch.StartNew();
        var stopping = gateway.Gateway.StopAsync(grace);
        await gateway.Logs.WaitForAsync(UsherEvents.Draining, Wait);
        client.Dispose();
        await stopping.WaitAsync(Wait);

        Assert.True(clock.Elapsed < grace, $"stopping took {clock.Elapsed}");
        var closed = Assert.Single(gateway.Logs.WithId(UsherEvents.SessionClosed));
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }
}
