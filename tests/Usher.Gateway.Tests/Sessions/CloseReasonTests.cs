using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Sessions;

/// <summary>Which side ended a session is recorded as its close reason, and the other side is closed too.</summary>
public sealed class CloseReasonTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AClientThatClosesEndsTheSessionAsClientClosedAndTheBackendConnectionIsClosed()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        Assert.Equal(1, backend.Open);

        client.Dispose();

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal("127.0.0.1", closed["Identity"]);
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task ABackendThatClosesEndsTheSessionAsBackendClosedAndTheClientSeesEndOfStream()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());

        backend.Connections.Values.Single().Shutdown(SocketShutdown.Both);

        Assert.Null(await client.ReadAsync(Wait));
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task AClientThatReconnectsTheMomentItSeesItsSessionEndFindsItsSlotFree()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 1));

        // The backend ends the session; the client reconnects as soon as it reads the end, fifty times over.
        for (var i = 0; i < 50; i++)
        {
            using var client = await TestClient.ConnectAsync(gateway.EndPoint);
            Assert.True(await client.IsAdmittedAsync(), $"reconnection {i} was admitted");
            await backend.WaitUntilAsync(b => b.Open == 1, Wait);
            backend.Connections.Values.Single().Shutdown(SocketShutdown.Both);
            Assert.Null(await client.ReadAsync(Wait));
            await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    [Fact]
    public async Task DataSentBeforeTheClientClosesStillReachesTheBackendAndTheReasonIsClientClosed()
    {
        await using var backend = new SessionServer(greet: false);
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync(Wait));

        client.Socket.Shutdown(SocketShutdown.Send);

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(5L, closed["BytesFromClient"]);
        Assert.Equal(5L, closed["BytesFromBackend"]);
        Assert.Null(await client.ReadAsync(Wait));
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
    }
}
