using System.Diagnostics;
using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Reclaim;

[Collection(IptablesCollection.Name)]
public sealed class ReclaimDeadTests
{
    [Fact]
    public async Task AdmitsTheNewcomerByReclaimingAVanishedSessionWithinTheProbeBudget()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.ReclaimDead));
        using var alive = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.21");
        using var vanished = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.21");
        await Task.Delay(400);
        using var hole = LoopbackBlackhole.Drop(((IPEndPoint)vanished.Socket.LocalEndPoint!).Port);

        var watch = Stopwatch.StartNew();
        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.21");
        Assert.True(await newcomer.IsAdmittedAsync(), gateway.Logs.Dump());
        watch.Stop();

        // ProbeInterval × ProbeCount = 2 s: found dead and admitted before ReclaimWait (4 s) would have refused it.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"admitted after {watch.Elapsed}");
        var reclaimed = await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, TimeSpan.FromSeconds(5));
        Assert.Equal(CloseReason.Reclaimed, reclaimed["CloseReason"]);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(5),
            r => (CloseReason?)r["CloseReason"] == CloseReason.Reclaimed);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));

        // The live session was probed too and survived, with its own keepalive back.
        await alive.SendAsync("still here\n");
        Assert.Equal("still here\n", await alive.ReadAsync());
        await backend.WaitUntilAsync(b => b.Open == 2, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RefusesTheNewcomerWhenEveryIdleSessionAnswersItsProbes()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.ReclaimDead));
        using var first = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.22");
        using var second = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.22");
        await Task.Delay(400);

        var watch = Stopwatch.StartNew();
        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.22");
        Assert.Null(await newcomer.ReadAsync(TimeSpan.FromSeconds(10)));
        watch.Stop();

        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3.5), $"refused after {watch.Elapsed}, before ReclaimWait");
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, TimeSpan.FromSeconds(5));
        Assert.Equal("ReclaimDead", refusal["Policy"]);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Equal(2, backend.Open);

        // Both live idle sessions still work after the probing.
        await first.SendAsync("a\n");
        Assert.Equal("a\n", await first.ReadAsync());
        await second.SendAsync("b\n");
        Assert.Equal("b\n", await second.ReadAsync());
    }

    [Fact]
    public async Task ProbesOnlyTheSessionsOfTheIdentityAtItsLimit()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.ReclaimDead));
        using var other = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.24");
        using var a = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.23");
        using var b = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.23");
        await Task.Delay(400);

        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.23");
        await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, TimeSpan.FromSeconds(5));
        var otherSession = gateway.Gateway.Registry.Sessions.Single(s => s.Record.Identity.Value == "127.0.0.24");
        Assert.False(otherSession.Probing);
        Assert.Equal(TimeSpan.FromSeconds(7200), Sockets.SocketTuning.Read(otherSession.ClientFd).Idle);
        var probed = gateway.Gateway.Registry.Sessions.Where(s => s.Record.Identity.Value == "127.0.0.23").ToList();
        Assert.All(probed, s => Assert.True(s.Probing));
        Assert.Null(await newcomer.ReadAsync(TimeSpan.FromSeconds(10)));

        // Once the probes are over, the live sessions have their own keepalive again.
        await Eventually(() => probed.All(s => !s.Probing), TimeSpan.FromSeconds(5));
        Assert.All(probed, s => Assert.Equal(TimeSpan.FromSeconds(7200), Sockets.SocketTuning.Read(s.ClientFd).Idle));
    }

    [Fact]
    public async Task ANewcomerThatLeavesWhileWaitingLeaksNothing()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(ReclaimListener.For(backend.EndPoint, OnLimitPolicy.ReclaimDead));
        using var a = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.25");
        using var b = await ReclaimListener.AdmittedAsync(gateway, "127.0.0.25");
        await Task.Delay(400);

        var newcomer = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.25");
        await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, TimeSpan.FromSeconds(5));
        newcomer.Dispose();
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.Equal(2, gateway.Gateway.Ledger.Total);
        Assert.Equal(2, gateway.Gateway.Registry.Count);
        Assert.Equal(2, backend.Accepted);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    private static async Task Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
