using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Sessions;

public sealed class IdleTimeoutTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ASilentSessionIsClosedAfterIdleTimeoutOnBothSidesAndItsLeaseIsReleased()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(idleTimeout: TimeSpan.FromSeconds(1)));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        Assert.Equal(1, gateway.Gateway.Ledger.Total);

        var idle = await gateway.Logs.WaitForAsync(UsherEvents.IdleTimeout, Wait);
        Assert.Equal(1.0, idle["TimeoutSeconds"]);
        Assert.True((double)idle["IdleSeconds"]! >= 1.0, $"closed after {idle["IdleSeconds"]} s idle");

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.IdleTimeout, closed["CloseReason"]);
        Assert.True((long)closed["DurationMs"]! >= 1000, $"closed after {closed["DurationMs"]} ms");
        Assert.Null(await client.ReadAsync(Wait));
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task ASessionMovingDataMoreOftenThanIdleTimeoutStaysOpen()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(idleTimeout: TimeSpan.FromSeconds(2)));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());

        // Three idle timeouts' worth of traffic, a message every 200 ms.
        for (var i = 0; i < 30; i++)
        {
            await client.SendAsync("x");
            Assert.Equal("x", await client.ReadAsync(Wait));
            await Task.Delay(200);
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.IdleTimeout));
        Assert.Equal(CloseReason.None, Assert.Single(gateway.Gateway.Registry.Sessions).Record.CloseReason);
    }
}
