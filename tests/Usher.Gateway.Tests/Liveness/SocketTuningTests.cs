using Microsoft.Extensions.Configuration;
using Usher.Configuration;
using Usher.Gateway.Sockets;
using Usher.Testing;

namespace Usher.Gateway.Tests.Liveness;

/// <summary>Keepalive and TCP_USER_TIMEOUT as the kernel holds them on both sockets of a live session, for settings
/// read from configuration the way the gateway reads its file.</summary>
public sealed class SocketTuningTests
{
    [Theory]
    [InlineData(null, null, null, null, 300, 30, 3, 390)]
    [InlineData("00:00:02", "00:00:01", "2", null, 2, 1, 2, 4)]
    [InlineData("00:00:02", "00:00:01", "2", "00:00:07", 2, 1, 2, 7)]
    [InlineData("00:00:10", "00:00:05", "6", "00:00:00", 10, 5, 6, 0)]
    public async Task BothSocketsOfASessionCarryTheListenersKeepaliveAndUserTimeout(
        string? idle, string? interval, string? count, string? userTimeout,
        int idleSeconds, int intervalSeconds, int expectedCount, int userTimeoutSeconds)
    {
        await using var backend = new SessionServer();
        var config = new Dictionary<string, string?>
        {
            ["Usher:Listeners:0:Name"] = "pg",
            ["Usher:Listeners:0:Listen"] = "127.0.0.1:0",
            ["Usher:Listeners:0:Backend"] = backend.EndPoint.ToString(),
            ["Usher:Listeners:0:Keepalive:Idle"] = idle,
            ["Usher:Listeners:0:Keepalive:Interval"] = interval,
            ["Usher:Listeners:0:Keepalive:Count"] = count,
            ["Usher:Listeners:0:UserTimeout"] = userTimeout,
        };
        var settings = ConfigReader.Read(
            new ConfigurationBuilder().AddInMemoryCollection(config.Where(p => p.Value is not null)).Build(), "test");
        await using var gateway = TestGateway.Start(settings);

        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);

        var expected = new SocketLiveness(true, TimeSpan.FromSeconds(idleSeconds), TimeSpan.FromSeconds(intervalSeconds),
            expectedCount, TimeSpan.FromSeconds(userTimeoutSeconds), NoDelay: true);
        Assert.Equal(expected, SocketTuning.Read(session.ClientFd));
        await Eventually.HoldsAsync(() => SocketTuning.Read(session.BackendFd) == expected, TimeSpan.FromSeconds(15),
            "the backend socket carries the listener's keepalive and user timeout");
    }

    [Fact]
    public async Task TheClientSocketInheritsItsOptionsFromTheListenerAndTheBackendSocketGetsKeepaliveOnlyOnceItOutlivesTheDelay()
    {
        await using var backend = new SessionServer();
        var keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 2);
        var settings = TestGateway.Listener(backend.EndPoint).With(keepalive: keepalive, userTimeout: TimeSpan.FromSeconds(3));
        await using var gateway = TestGateway.Start(settings);
        var delay = SocketTuning.LivenessDelay(keepalive, TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(1), delay);

        var sinceConnect = System.Diagnostics.Stopwatch.StartNew();
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        var expected = new SocketLiveness(true, keepalive.Idle, keepalive.Interval, keepalive.Count, TimeSpan.FromSeconds(3), NoDelay: true);

        // The accepted socket took everything from the listening socket: no system call of its own.
        Assert.Equal(expected, SocketTuning.Read(session.ClientFd));
        var young = SocketTuning.Read(session.BackendFd);
        var readAfter = sinceConnect.Elapsed;
        Assert.True(young.NoDelay);
        // The reactor's deadlines run on Environment.TickCount64, a coarse clock (a few milliseconds on Linux): the
        // options may come that much before a Stopwatch says the delay has passed.
        var coarse = TimeSpan.FromMilliseconds(50);
        if (readAfter < delay - coarse)
        {
            // Read before the delay passed (a busy machine may take longer to get here): no keepalive yet.
            Assert.False(young.KeepaliveEnabled, $"keepalive set {readAfter.TotalMilliseconds:0} ms after the connect");
            Assert.Equal(TimeSpan.Zero, young.UserTimeout);
        }

        await Eventually.HoldsAsync(() => SocketTuning.Read(session.BackendFd) == expected, TimeSpan.FromSeconds(15),
            "the backend socket carries the listener's keepalive and user timeout once it outlived the delay");
        Assert.True(sinceConnect.Elapsed >= delay - coarse, $"keepalive set {sinceConnect.Elapsed.TotalMilliseconds:0} ms after the connect");
    }
}
