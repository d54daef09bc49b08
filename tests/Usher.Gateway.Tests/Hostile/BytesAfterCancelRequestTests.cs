using System.Net.Sockets;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Protocols.Postgres;
using Usher.Testing;

namespace Usher.Gateway.Tests.Hostile;

/// <summary>A PostgreSQL CancelRequest is relayed uncounted, so it must be the connection's only message: bytes sent
/// after it once the backend is connected (a StartupMessage riding on the uncounted connection) close the connection
/// as a bad handshake (9650) and never reach the backend.</summary>
public sealed class BytesAfterCancelRequestTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_StartupMessage_sent_after_the_relayed_CancelRequest_closes_the_connection_and_never_reaches_the_backend()
    {
        await using var backend = new SessionServer(greet: false);
        var l = TestGateway.Listener(backend.EndPoint);
        await using var gateway = TestGateway.Start(new ListenerSettings
        {
            Name = l.Name,
            Listen = l.Listen,
            BackendHost = l.BackendHost,
            BackendPort = l.BackendPort,
            UserTimeout = l.UserTimeout,
            Identity = IdentityKind.PostgresUser,
        });

        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(gateway.EndPoint);
        var cancel = PostgresWire.CancelRequest();
        await client.SendAsync(cancel);

        // The backend (an echo server) got the 16 bytes and sent them back: the relay is running.
        using var timeout = new CancellationTokenSource(Wait);
        Assert.Equal(cancel, await client.ReceiveExactlyAsync(cancel.Length, timeout.Token));

        await client.SendAsync(PostgresWire.StartupMessage("alice"));

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, Wait);
        Assert.Equal(PostgresStartupReader.BytesAfterCancel, rejected["Problem"]);
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.Equal(0, await PostgresWire.ReadToEndAsync(client, timeout.Token));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionClosed));
    }
}
