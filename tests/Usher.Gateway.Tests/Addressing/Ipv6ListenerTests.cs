using System.Net;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.Gateway.Tests.Addressing;

public sealed class Ipv6ListenerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AListenerOnIpv6LoopbackProxiesToAnIpv4BackendAndCountsTheClientAsColonColonOne()
    {
        await using var backend = new SessionServer(IPAddress.Loopback);
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint, listen: "::1").With(maxSessionsPerIdentity: 1));
        Assert.Equal(IPAddress.IPv6Loopback, gateway.EndPoint.Address);
        var scope = gateway.Gateway.Listeners[0].Context.Scope;

        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        await client.SendAsync("over six\n");
        Assert.Equal("over six\n", await client.ReadAsync(Wait));

        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        Assert.Equal((IdentityKind.SourceIp, "::1"), (session.Record.Identity.Kind, session.Record.Identity.Value));
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)session.Record.Backend!).Address);
        Assert.Equal(1, gateway.Gateway.Ledger.Count(scope, "::1"));
        var opened = await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, Wait);
        Assert.Equal("::1", opened["Identity"]);

        using (var second = await TestClient.ConnectAsync(gateway.EndPoint))
        {
            Assert.Null(await second.ReadAsync(Wait));
        }

        var refused = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
        Assert.Equal("::1", refused["Identity"]);
    }

    [Fact]
    public async Task ADualStackListenerCountsAnIpv4ClientByItsPlainIpv4Address()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint, listen: "::"));
        var ipv4 = new IPEndPoint(IPAddress.Loopback, gateway.EndPoint.Port);

        using var client = await TestClient.ConnectAsync(ipv4, "127.0.0.5");
        Assert.True(await client.IsAdmittedAsync());

        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        Assert.Equal("127.0.0.5", session.Record.Identity.Value);
        Assert.Equal(IPAddress.Parse("127.0.0.5"), ((IPEndPoint)session.Record.Client).Address);
    }
}
