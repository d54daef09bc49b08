using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Protocols.Proxy;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.ProxyProtocol;

/// <summary>Usher behind a real HAProxy that sends PROXY protocol v2 (<c>send-proxy-v2</c>): every connection comes
/// from HAProxy's address, and the gateway counts each by the client address in the header; a peer that is no
/// trusted proxy may not connect at all; with <c>SendProxy: v2</c> the backend learns the original client in turn.</summary>
public sealed class BehindHaproxyTests
{
    [Fact]
    public async Task Clients_behind_HAProxy_are_counted_apart_by_their_own_addresses_from_the_PROXY_v2_header()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TrustingHaproxy(backend.EndPoint));
        await using var haproxy = await HaproxyServer.StartAsync(gateway.EndPoint);

        using var first = await AdmittedAsync(haproxy, "127.0.0.2");
        using var other = await AdmittedAsync(haproxy, "127.0.0.3");
        Assert.Equal(1, gateway.SessionsOf("127.0.0.2"));
        Assert.Equal(1, gateway.SessionsOf("127.0.0.3"));
        Assert.Equal(0, gateway.SessionsOf("127.0.0.1"));

        // A second connection from 127.0.0.2: refused by the gateway, so HAProxy closes the client's connection.
        using var second = await TestClient.ConnectAsync(haproxy.EndPoint, "127.0.0.2");
        Assert.Null(await second.ReadAsync(EndToEnd.Soon));
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("127.0.0.2", refusal["Identity"]);
        Assert.Equal(1, refusal["Limit"]);
        Assert.Equal("SourceIp", refusal["IdentityKind"]);

        // The client named is the original one, port and all, not HAProxy's connection.
        Assert.Equal(second.Socket.LocalEndPoint, refusal["Client"]);
        Assert.Equal(2, backend.Open);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
    }

    [Fact]
    public async Task A_direct_connection_from_an_address_that_is_no_trusted_proxy_is_refused_with_event_9650()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TrustingHaproxy(backend.EndPoint));
        await using var haproxy = await HaproxyServer.StartAsync(gateway.EndPoint);

        using var direct = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.5");
        await direct.SendAsync("hello, I am 10.9.9.9\n");
        Assert.Null(await direct.ReadAsync(EndToEnd.Soon));

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Equal(direct.Socket.LocalEndPoint, rejected["Client"]);
        Assert.Contains("not a trusted proxy", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        // Through HAProxy the same address gets in.
        using var proxied = await AdmittedAsync(haproxy, "127.0.0.5");
        Assert.Equal(1, gateway.SessionsOf("127.0.0.5"));
    }

    [Fact]
    public async Task With_SendProxy_v2_a_backend_behind_HAProxy_and_Usher_sees_the_original_client_address()
    {
        await using var backend = new ProxyV2Backend();
        await using var gateway = TestGateway.Start(new ListenerSettings
        {
            Name = "proxied",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = backend.EndPoint.Address.ToString(),
            BackendPort = backend.EndPoint.Port,
            MaxSessionsPerIdentity = 1,
            TrustedProxies = [System.Net.IPNetwork.Parse("127.0.0.1/32")],
            SendProxy = true,
        });
        await using var haproxy = await HaproxyServer.StartAsync(gateway.EndPoint);

        using var client = await TestClient.ConnectAsync(haproxy.EndPoint, "127.0.0.2");
        var clientEnd = (IPEndPoint)client.Socket.LocalEndPoint!;
        Assert.Equal($"from {clientEnd} to {haproxy.EndPoint}\n", await client.ReadAsync(EndToEnd.Soon));
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync(EndToEnd.Soon));

        var header = Assert.Single(backend.Headers);
        Assert.Equal(2, header.Version);
        Assert.Equal(clientEnd, header.Source);
        Assert.Equal(1, gateway.SessionsOf("127.0.0.2"));
    }

    [Fact]
    public async Task With_SendProxy_v2_a_backend_sees_a_direct_client_with_its_own_address_and_the_gateway_address_it_reached()
    {
        await using var backend = new ProxyV2Backend();
        await using var gateway = TestGateway.Start(new ListenerSettings
        {
            Name = "send-proxy",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = backend.EndPoint.Address.ToString(),
            BackendPort = backend.EndPoint.Port,
            SendProxy = true,
        });

        using var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.7");
        Assert.Equal($"from {client.Socket.LocalEndPoint} to {gateway.EndPoint}\n", await client.ReadAsync(EndToEnd.Soon));
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync(EndToEnd.Soon));
        Assert.Equal(ProxyHeaderStatus.Proxied, Assert.Single(backend.Headers).Status);
    }

    /// <summary>Trusts HAProxy on 127.0.0.1 (and only it) to say who the client is; one session per address.</summary>
    private static ListenerSettings TrustingHaproxy(IPEndPoint backend) => new()
    {
        Name = "behind-haproxy",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = backend.Address.ToString(),
        BackendPort = backend.Port,
        MaxSessionsPerIdentity = 1,
        TrustedProxies = [System.Net.IPNetwork.Parse("127.0.0.1/32")],
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    /// <summary>Connects through HAProxy from <paramref name="from"/> and reads the backend's greeting.</summary>
    private static async Task<TestClient> AdmittedAsync(HaproxyServer haproxy, string from)
    {
        var client = await TestClient.ConnectAsync(haproxy.EndPoint, from);
        var greeting = await client.ReadAsync(EndToEnd.Soon);
        Assert.True(greeting?.StartsWith("hello", StringComparison.Ordinal) == true,
            $"{from} through HAProxy should be admitted, got \"{greeting}\".{Environment.NewLine}{haproxy.Describe()}");
        return client;
    }
}
