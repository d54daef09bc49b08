using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Faults;

/// <summary>The backend's listener restarts (its listening socket closed, then opened again on the same port, as a
/// server restarting in place does): sessions that arrive during the gap get 9652 and give their slot back at once;
/// sessions admitted before and after it are served.</summary>
public sealed class BackendRestartTests
{
    private const int DuringTheGap = 3;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sessions_during_the_gap_get_BackendUnavailable_and_are_freed_and_sessions_after_it_are_served()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 2));
        using var before = await TestClient.ConnectAsync(gateway.EndPoint);
        using var beforeServer = await backend.AcceptAsync(Wait);
        await Sessions.OnlyAsync(gateway, Wait);

        backend.StopListening();
        for (var i = 0; i < DuringTheGap; i++)
        {
            using var client = await TestClient.ConnectAsync(gateway.EndPoint);
            Assert.Null(await client.ReadAsync(Wait));
        }

        await Eventually.HoldsAsync(() => gateway.Logs.WithId(UsherEvents.SessionClosed).Count == DuringTheGap, Wait, "the sessions of the gap closed");
        var unavailable = gateway.Logs.WithId(UsherEvents.BackendUnavailable);
        Assert.Equal(DuringTheGap, unavailable.Count);
        Assert.All(unavailable, e => Assert.Equal(nameof(SocketError.ConnectionRefused), e["Problem"]));
        Assert.All(gateway.Logs.WithId(UsherEvents.SessionClosed), e => Assert.Equal(CloseReason.BackendUnavailable, e["CloseReason"]));
        Assert.Equal(1, gateway.Gateway.Ledger.Total);

        // The session from before the restart was not disturbed.
        await before.SendAsync("still there\n");
        var buffer = new byte[64];
        Assert.Equal("still there\n", Encoding.ASCII.GetString(buffer, 0, await beforeServer.ReceiveAsync(buffer)));

        // The listener is back: a new session of the same address is admitted within its limit of 2, so none of the
        // sessions of the gap kept a slot.
        backend.ListenAgain();
        using var after = await TestClient.ConnectAsync(gateway.EndPoint);
        using var afterServer = await backend.AcceptAsync(Wait);
        await afterServer.SendAsync("hello after\n"u8.ToArray());
        Assert.Equal("hello after\n", await after.ReadAsync(Wait));
        Assert.Equal(2, gateway.Gateway.Ledger.Total);
        Assert.Equal(DuringTheGap, gateway.Logs.WithId(UsherEvents.BackendUnavailable).Count);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }
}
