using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Faults;

/// <summary>A backend that resets its connection (SO_LINGER 0 and close: a crashed or killed server process, a
/// server-side abort) while a session is open: the client is closed, the reason is BackendClosed (a reset is an end
/// the backend chose, not a vanished peer), and the slot is free.</summary>
public sealed class BackendResetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_backend_that_resets_an_idle_session_closes_the_client_as_BackendClosed_and_frees_the_slot()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 1));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        var server = await backend.AcceptAsync(Wait);
        await server.SendAsync("hello\n"u8.ToArray());
        Assert.Equal("hello\n", await client.ReadAsync(Wait));
        await client.SendAsync("ping\n");
        Assert.Equal(5, await server.ReceiveAsync(new byte[16]));

        FaultBackend.Reset(server);

        Assert.Null(await client.ReadAsync(Wait));
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(5L, closed["BytesFromClient"]);
        Assert.Equal(6L, closed["BytesFromBackend"]);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.PeerDead));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);

        // The slot (limit 1) is free: the same client is admitted again.
        using var again = await TestClient.ConnectAsync(gateway.EndPoint);
        using var next = await backend.AcceptAsync(Wait);
        await next.SendAsync("hello again\n"u8.ToArray());
        Assert.Equal("hello again\n", await again.ReadAsync(Wait));
    }

    [Fact]
    public async Task A_backend_that_resets_while_the_client_is_sending_closes_the_client_as_BackendClosed()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        var server = await backend.AcceptAsync(Wait);
        await Sessions.OnlyAsync(gateway, Wait);

        // The client streams; the backend reads a little of it, then aborts.
        var sending = Flood.SendAsync(client.Socket, 64L * 1024 * 1024, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
        Assert.True(await server.ReceiveAsync(new byte[4096], SocketFlags.None) > 0);
        FaultBackend.Reset(server);

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        // The client learns: its sends fail or its reads end.
        var flood = await Record.ExceptionAsync(() => sending);
        Assert.True(flood is SocketException || await client.ReadAsync(Wait) is null, "the client did not see its connection end");
    }
}
