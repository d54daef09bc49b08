using System.Net;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.ProxyProtocol;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A listener that terminates TLS behind a real HAProxy sending PROXY protocol v2 (<c>send-proxy-v2</c>,
/// TCP mode: the TLS goes through HAProxy untouched): the PROXY header comes first, in clear, then the TLS handshake,
/// as with HAProxy's <c>accept-proxy ssl</c>; each client is counted by its own address.</summary>
[Collection(TlsCollection.Name)]
public sealed class TlsBehindHaproxyTests(TlsCertificates certificates)
{
    [Fact]
    public async Task TLS_clients_behind_HAProxy_are_counted_by_the_address_in_the_PROXY_v2_header_read_before_TLS()
    {
        await using var backend = new SessionServer();
        var listener = TlsListener.Create(certificates, backend.EndPoint, IdentityKind.SourceIp, 1,
            trustedProxies: [IPNetwork.Parse("127.0.0.1/32")]);
        await using var gateway = TestGateway.Start(listener);
        await using var haproxy = await HaproxyServer.StartAsync(gateway.EndPoint);

        await using var first = await TlsClient.ConnectAsync(haproxy.EndPoint, "localhost", certificates.Ca, from: "127.0.0.2");
        Assert.Equal("hello 1\n", await first.ReadAsync());
        await using var other = await TlsClient.ConnectAsync(haproxy.EndPoint, "localhost", certificates.Ca, from: "127.0.0.3");
        Assert.Equal("hello 2\n", await other.ReadAsync());
        Assert.Equal(1, gateway.SessionsOf("127.0.0.2"));
        Assert.Equal(1, gateway.SessionsOf("127.0.0.3"));
        var session = Assert.Single(gateway.Gateway.Registry.Sessions, s => s.Record.Identity.Value == "127.0.0.2");
        Assert.Equal(first.Socket.LocalEndPoint, session.Record.Client);

        // A second client from 127.0.0.2: refused after its TLS handshake, named by its own address and port.
        await using var second = await TlsClient.ConnectAsync(haproxy.EndPoint, "localhost", certificates.Ca, from: "127.0.0.2");
        Assert.Null(await second.ReadAsync());
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("127.0.0.2", refusal["Identity"]);
        Assert.Equal(second.Socket.LocalEndPoint, refusal["Client"]);
        Assert.Equal(2, backend.Open);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
    }
}
