using Microsoft.Extensions.Time.Testing;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Sessions;
using Usher.Testing;
using static Usher.Gateway.Tests.Reload.Reloading;

namespace Usher.Gateway.Tests.Reload;

/// <summary>Sessions opened before and after reloads: the ledger counts each identity's real open sessions, new
/// sessions take the new socket options while open ones keep theirs, and a changed IdleTimeout closes nothing at
/// once.</summary>
public sealed class SessionsAcrossReloadTests
{
    [Fact]
    public async Task TheLedgerCountsEachIdentitysRealOpenSessionsAcrossReloadsRemovalAndReturnOfItsListener()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 10));
        var listener = gateway.Gateway.Settings.Listeners[0];
        var one = new List<TestClient>();
        var two = new List<TestClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                one.Add(await AdmittedAsync(gateway.EndPoint, "127.0.0.1"));
            }

            for (var i = 0; i < 2; i++)
            {
                two.Add(await AdmittedAsync(gateway.EndPoint, "127.0.0.2"));
            }

            await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(maxSessionsPerIdentity: 8,
                keepalive: new KeepaliveSettings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), 4))));
            Assert.Equal((3, 2, 5), Counts());

            // Opened under the new context, counted with the others; then one of each generation ends.
            one.Add(await AdmittedAsync(gateway.EndPoint, "127.0.0.1"));
            Assert.Equal((4, 2, 6), Counts());
            await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(idleTimeout: TimeSpan.FromHours(1))));
            one[0].Dispose();
            one[3].Dispose();
            await Eventually.HoldsAsync(() => Counts() == (2, 2, 4), Wait, "two sessions of 127.0.0.1 released");

            // Removed: its sessions still count (in the ledger's total, and under its name when it returns).
            await gateway.ReloadAsync(gateway.Gateway.Settings.With([TestGateway.Listener(backend.EndPoint, "other")]));
            Assert.Equal(4, gateway.Gateway.Ledger.Total);
            await gateway.ReloadAsync(gateway.Gateway.Settings.With([listener.With(maxSessionsPerIdentity: 2)]));
            Assert.Equal((2, 2, 4), Counts());
            await RefusedAsync(gateway.EndPoint, "127.0.0.1");
            await RefusedAsync(gateway.EndPoint, "127.0.0.2");
            using var third = await AdmittedAsync(gateway.EndPoint, "127.0.0.3");
            Assert.Equal(5, gateway.Gateway.Ledger.Total);
        }
        finally
        {
            one.Concat(two).ToList().ForEach(c => c.Dispose());
        }

        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, Wait, "every slot released");
        Assert.Equal((0, 0, 0), Counts());
        Assert.Empty(gateway.Gateway.Registry.All);

        (int One, int Two, int Total) Counts() =>
            (gateway.Count("127.0.0.1"), gateway.Count("127.0.0.2"), gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task ANewKeepaliveIsSetOnTheListeningSocketsSoNewSessionsCarryItWhileOpenOnesKeepTheirs()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var before = await AdmittedAsync(gateway.EndPoint);
        var fast = new KeepaliveSettings(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2), 5);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(keepalive: fast)));

        Assert.Contains("test: Keepalive:Idle 00:05:00 → 00:00:07", result.Summary);
        Assert.Contains("test: UserTimeout 00:06:30 → 00:00:17", result.Summary);
        using var after = await AdmittedAsync(gateway.EndPoint);
        var sessions = gateway.Gateway.Registry.Sessions.OrderBy(s => s.Record.Id).ToList();
        Assert.Equal(2, sessions.Count);
        var old = new SocketLiveness(true, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), 3, TimeSpan.FromSeconds(390), true);
        var updated = new SocketLiveness(true, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2), 5, TimeSpan.FromSeconds(17), true);
        Assert.Equal(old, SocketTuning.Read(sessions[0].ClientFd));
        Assert.Equal(updated, SocketTuning.Read(sessions[1].ClientFd));

        // A backend socket gets its keepalive once it outlives SocketTuning.LivenessDelay, from its session's listener.
        await Eventually.HoldsAsync(() => SocketTuning.Read(sessions[0].BackendFd) == old, Wait, "the old session's backend keeps the old keepalive");
        await Eventually.HoldsAsync(() => SocketTuning.Read(sessions[1].BackendFd) == updated, Wait, "the new session's backend has the new one");
    }

    [Fact]
    public async Task AUserTimeoutReloadedToZeroPutsTheKernelsDefaultBackOnNewSessions()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));

        await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(userTimeout: TimeSpan.Zero)));

        using var client = await AdmittedAsync(gateway.EndPoint);
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        Assert.Equal(TimeSpan.Zero, SocketTuning.Read(session.ClientFd).UserTimeout);
    }

    [Fact]
    public async Task ALoweredIdleTimeoutAppliesToOpenSessionsCountedFromTheReloadSoNoneIsClosedAtOnce()
    {
        await using var backend = new SessionServer();

        // Virtual time stops the heartbeat's own timer: the test runs it when it wants.
        await using var gateway = TestGateway.Start(
            new GatewaySettings { ShutdownGrace = TimeSpan.FromSeconds(1), Listeners = [TestGateway.Listener(backend.EndPoint)] },
            new FakeTimeProvider());
        using var client = await AdmittedAsync(gateway.EndPoint);
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        await Eventually.HoldsAsync(() => Environment.TickCount64 - session.Record.LastActivityTicks > 1500, Wait, "idle 1.5 s");

        await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(idleTimeout: TimeSpan.FromSeconds(1))));
        var reloadedAt = Environment.TickCount64;
        Assert.Equal(TimeSpan.FromSeconds(1), session.IdleTimeout);

        // Idle for longer than the new timeout already, but not for a whole timeout since the reload.
        gateway.Gateway.Heartbeat();
        Assert.Equal(CloseReason.None, session.Record.CloseReason);
        await client.RelaysAsync("x");

        await Eventually.HoldsAsync(() => Environment.TickCount64 - reloadedAt > 1100
            && Environment.TickCount64 - session.Record.LastActivityTicks > 1100, Wait, "a full new IdleTimeout");
        gateway.Gateway.Heartbeat();
        var idle = await gateway.Logs.WaitForAsync(UsherEvents.IdleTimeout, Wait);
        Assert.Equal(1.0, idle["TimeoutSeconds"]);
        Assert.Null(await client.ReadAsync(Wait));
    }
}
