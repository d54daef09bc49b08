using Usher.Control;
using Usher.Testing;

namespace Usher.Admin.Tests.Control;

/// <summary>The real gateway behind <see cref="IGatewayControl"/>: snapshots are values taken when asked, a fresh
/// TCP_INFO is read on the session's reactor, and a kill's task completes once the session's slot is free.</summary>
public sealed class GatewayControlTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_gateways_control_snapshots_a_session_and_a_kill_completes_once_its_slot_is_free()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint, "pg"));
        var control = gateway.Gateway.Control;
        using var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.5");
        Assert.True(await client.IsAdmittedAsync());
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync());

        var before = Assert.Single(control.Sessions.List(listener: "pg", identity: "127.0.0.5"));
        Assert.Equal(("pg", "127.0.0.5", SessionState.Relaying, 5L), (before.Listener, before.Identity, before.State, before.BytesFromClient));
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), before.Client);
        Assert.Null(before.Tcp);
        Assert.Empty(control.Sessions.List(listener: "pg", identity: "127.0.0.6"));
        Assert.Equal(1, Assert.Single(control.Listeners).Open);
        Assert.Equal(1, control.Counted);
        var identity = Assert.Single(control.Sessions.Identities("pg"));
        Assert.Equal(("127.0.0.5", 1), (identity.Identity, identity.Open));

        var inspected = await control.Sessions.InspectAsync(before.Id, Soon);

        Assert.Equal("Established", inspected!.Tcp!.Client!.Value.State);
        Assert.Equal("Established", inspected.Tcp.Backend!.Value.State);
        Assert.Null(before.Tcp);

        var kill = control.Sessions.Kill(before.Id, "a test");

        Assert.Equal([before.Id], kill!.Ids);
        await kill.Closed.WaitAsync(Soon);
        Assert.Equal(0, control.Counted);
        Assert.Equal(0, control.Sessions.Count);
        Assert.Null(control.Sessions.Find(before.Id));
        Assert.Null(control.Sessions.Kill(before.Id, "a second test"));
        Assert.Null(await client.ReadAsync(Soon));
    }
}
