using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Reclaim;

public sealed class EvictionTests
{
    [Fact]
    public async Task EvictOldestIdleClosesTheLongestIdleSessionToAdmitTheNewcomer()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.EvictOldestIdle));
        using var idle = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.31");
        using var busy = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.31");
        await Task.Delay(300);
        await busy.SendAsync("ping\n");
        Assert.Equal("ping\n", await busy.ReadAsync());

        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.31");
        Assert.True(await newcomer.IsAdmittedAsync(), gateway.Logs.Dump());

        var evicted = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(5),
            r => (CloseReason?)r["CloseReason"] == CloseReason.Evicted);
        Assert.Equal(1L, evicted["SessionId"]);
        Assert.Null(await idle.ReadAsync());
        await busy.SendAsync("still\n");
        Assert.Equal("still\n", await busy.ReadAsync());
        Assert.Single(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
    }

    [Fact]
    public async Task TakeoverReplacesTheOldestSessionOfTheSameIdentity()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.Takeover, limit: 1));
        using var old = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.32");

        using var successor = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.32");
        Assert.True(await successor.IsAdmittedAsync(), gateway.Logs.Dump());
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(5),
            r => (CloseReason?)r["CloseReason"] == CloseReason.TakenOver);
        Assert.Null(await old.ReadAsync());
        await backend.WaitUntilAsync(b => b.Open == 1, TimeSpan.FromSeconds(5));
    }
}
