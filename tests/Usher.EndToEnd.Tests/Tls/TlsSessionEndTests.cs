using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>TLS sessions end like any other: on shutdown after the grace (reason Shutdown), after IdleTimeout, and
/// when the client leaves; the client is told with close_notify.</summary>
[Collection(TlsCollection.Name)]
public sealed class TlsSessionEndTests(TlsCertificates certificates)
{
    [Fact]
    public async Task Shutdown_closes_open_TLS_sessions_with_reason_Shutdown_after_the_grace()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.SourceIp, 4));
        await using var client = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 1\n", await client.ReadAsync());

        await gateway.Gateway.StopAsync(TimeSpan.FromMilliseconds(300));

        Assert.Null(await client.ReadAsync());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.Shutdown, closed["CloseReason"]);
        Assert.Equal("127.0.0.1", closed["Identity"]);
        Assert.Equal(0, gateway.Gateway.Registry.Count);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        await backend.WaitUntilAsync(b => b.Open == 0, EndToEnd.Soon);
    }

    [Fact]
    public async Task Shutdown_also_ends_a_TLS_handshake_under_way()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4,
            handshakeTimeout: TimeSpan.FromMinutes(5)));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        await client.SendAsync("\u0016\u0003\u0001");

        await gateway.Gateway.StopAsync(TimeSpan.Zero);

        Assert.Null(await client.ReadAsync(EndToEnd.Soon));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_TLS_session_idle_past_IdleTimeout_is_closed_with_event_9649()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4,
            idleTimeout: TimeSpan.FromSeconds(1)));
        await using var client = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 1\n", await client.ReadAsync());

        var idle = await gateway.Logs.WaitForAsync(UsherEvents.IdleTimeout, EndToEnd.Soon);
        Assert.Equal("a.example", idle["Identity"]);
        Assert.Null(await client.ReadAsync());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.IdleTimeout, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u0016\u0003\u0001")]
    public async Task A_client_that_does_not_complete_its_handshake_is_closed_after_HandshakeTimeout_with_event_9650(string sent)
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4,
            handshakeTimeout: TimeSpan.FromSeconds(1)));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        await client.SendAsync(sent);

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("HandshakeTimeout", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Null(await client.ReadAsync(EndToEnd.Soon));
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }
}
