using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Hostile;

/// <summary>A PROXY header claims any address it likes: only the listener's TrustedProxies may send one. Any other
/// peer is closed before a byte is read (9650), counted nowhere, and never reaches the backend.</summary>
public sealed class UntrustedProxyHeaderTests
{
    private const string Header = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 6432\r\n";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_PROXY_header_from_an_untrusted_peer_is_refused_and_the_same_header_from_a_trusted_proxy_is_admitted()
    {
        await using var backend = new SessionServer();
        var l = TestGateway.Listener(backend.EndPoint);
        var settings = new ListenerSettings
        {
            Name = l.Name,
            Listen = l.Listen,
            BackendHost = l.BackendHost,
            BackendPort = l.BackendPort,
            UserTimeout = l.UserTimeout,
            Identity = IdentityKind.ProxyProtocol,
            TrustedProxies = [IPNetwork.Parse("127.0.0.2/32")],
        };
        await using var gateway = TestGateway.Start(settings);

        using (var untrusted = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1"))
        {
            await untrusted.SendAsync(Header);
            Assert.Null(await untrusted.ReadAsync(Wait));
        }

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, Wait);
        Assert.Contains("not a trusted proxy", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1:", rejected["Client"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionClosed));

        using var trusted = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.2");
        await trusted.SendAsync(Header);
        Assert.True(await trusted.IsAdmittedAsync());
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        Assert.Equal("203.0.113.7", session.Record.Identity.Value);
        Assert.Equal(CloseReason.None, session.Record.CloseReason);
        Assert.Single(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
    }
}
