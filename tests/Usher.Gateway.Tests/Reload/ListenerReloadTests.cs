using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;
using static Usher.Gateway.Tests.Reload.Reloading;

namespace Usher.Gateway.Tests.Reload;

/// <summary>Listeners matched by name: added ones bind and accept, removed ones stop accepting while their sessions go
/// on, a new Listen address moves the listener; nothing changes when a new address cannot be bound.</summary>
public sealed class ListenerReloadTests
{
    [Fact]
    public async Task AnAddedListenerAcceptsAndARemovedOneRefusesNewConnectsWhileItsOpenSessionKeepsRelaying()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint, "old"));
        var oldEndPoint = gateway.EndPoint;
        using var staying = await AdmittedAsync(oldEndPoint);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.With([TestGateway.Listener(backend.EndPoint, "new")]));

        Assert.Contains(result.Summary, l => l.StartsWith("listener \"new\" added on 127.0.0.1:0", StringComparison.Ordinal));
        Assert.Contains("listener \"old\" removed: no longer accepting, its 1 open session(s) go on until they end", result.Summary);
        var listener = Assert.Single(gateway.Gateway.Listeners);
        Assert.Equal("new", listener.Name);
        await gateway.Logs.WaitForAsync(UsherEvents.ListenerStarted, Wait, r => (string?)r["Listener"] == "new");

        using var fresh = await AdmittedAsync(listener.LocalEndPoint);
        var refused = await Assert.ThrowsAsync<SocketException>(() => TestClient.ConnectAsync(oldEndPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // The removed listener's session relays on, is still visible and still counts.
        await staying.RelaysAsync();
        await fresh.RelaysAsync();
        Assert.Equal(2, gateway.Gateway.Ledger.Total);
        Assert.Contains(gateway.Gateway.Registry.All, s => s.Record.Listener == "old");

        staying.Dispose();
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal("old", closed["Listener"]);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 1, Wait, "the old session's slot is released");
    }

    [Fact]
    public async Task ANewListenAddressMovesTheListenerAndItsOpenSessionsGoOnCountingUnderTheSameName()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 2));
        var before = gateway.EndPoint;
        using var open = await AdmittedAsync(before);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(
            l => l.With(listen: new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0))));

        Assert.Equal(["test: Listen 127.0.0.1:0 → 127.0.0.2:0"], result.Summary);
        var after = gateway.EndPoint;
        Assert.Equal(IPAddress.Parse("127.0.0.2"), after.Address);
        var refused = await Assert.ThrowsAsync<SocketException>(() => TestClient.ConnectAsync(before));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // One identity, one listener name: the session of the old address counts against the new one's limit.
        using var second = await AdmittedAsync(after);
        await RefusedAsync(after);
        Assert.Equal(2, gateway.Count("127.0.0.1"));
        await open.RelaysAsync();
    }

    [Fact]
    public async Task AReloadWhoseNewListenerCannotBindIsRejectedWholeAndChangesNothing()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 1));
        var running = gateway.Gateway.Settings;
        using var open = await AdmittedAsync(gateway.EndPoint);

        var next = running.With(
        [
            running.Listeners[0].With(maxSessionsPerIdentity: 5),
            TestGateway.Listener(backend.EndPoint, "extra").With(listen: (IPEndPoint)taken.LocalEndPoint!),
        ]);
        var result = await gateway.Gateway.ReloadAsync(next);

        Assert.False(result.Applied);
        var error = Assert.Single(result.Errors);
        Assert.Equal("Usher:Listeners:1:Listen", error.Key);
        Assert.Contains("Address already in use", error.Problem, StringComparison.Ordinal);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.ConfigRejected, Wait);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("Usher:Listeners:1:Listen", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: stop what holds that address", rejected.Message, StringComparison.Ordinal);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.ConfigReloaded));

        // Nothing changed: the same settings, the same single listener, the old limit.
        Assert.Same(running, gateway.Gateway.Settings);
        Assert.Equal("test", Assert.Single(gateway.Gateway.Listeners).Name);
        await RefusedAsync(gateway.EndPoint);
        await open.RelaysAsync();
        Assert.Single(gateway.Logs.WithId(UsherEvents.ListenerStarted));
    }

    [Fact]
    public async Task KeysThatNeedARestartAreNamedAndLeftAsTheyRun()
    {
        await using var backend = new SessionServer();
        var settings = new GatewaySettings
        {
            Workers = 1,
            ShutdownGrace = TimeSpan.FromSeconds(1),
            Listeners = [TestGateway.Listener(backend.EndPoint)],
        };
        await using var gateway = TestGateway.Start(settings);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.With(workers: 2, shutdownGrace: TimeSpan.FromSeconds(3)));

        Assert.Equal(["ShutdownGrace 00:00:01 → 00:00:03", "Workers 1 → 2 needs a restart (still 1)"], result.Summary);
        Assert.Equal(1, gateway.Gateway.Settings.Workers);
        Assert.Equal(TimeSpan.FromSeconds(3), gateway.Gateway.Settings.ShutdownGrace);
        var reloaded = await gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Contains("Workers 1 → 2 needs a restart (still 1)", reloaded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReloadWithNothingChangedSaysSoAndKeepsTheListenersContext()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        var context = gateway.Gateway.Listeners[0].Context;

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With()));

        Assert.Empty(result.Summary);
        Assert.Same(context, gateway.Gateway.Listeners[0].Context);
        var reloaded = await gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal("no change", reloaded["Changes"]);
    }
}
