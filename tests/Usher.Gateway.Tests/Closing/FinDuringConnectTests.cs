using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Closing;

/// <summary>A client that gives up while the backend connection is still being made (a backend whose accept queue is
/// full) frees its slot at once, not after ConnectTimeout.</summary>
public sealed class FinDuringConnectTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_FIN_while_the_backend_does_not_accept_frees_the_slot_at_once(bool halfClose)
    {
        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen(1);
        var fillers = await AcceptQueue.FillAsync((IPEndPoint)backend.LocalEndPoint!);
        try
        {
            await using var gateway = TestGateway.Start(TestGateway.Listener((IPEndPoint)backend.LocalEndPoint!)
                .With(maxSessionsPerIdentity: 1, connectTimeout: ConnectTimeout, halfClose: halfClose));
            var client = await TestClient.ConnectAsync(gateway.EndPoint);
            await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 1, TimeSpan.FromSeconds(5), "the session is admitted");

            client.Dispose();

            await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, TimeSpan.FromSeconds(3),
                "the slot is free at once, long before ConnectTimeout");
            var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(5));
            Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
            Assert.Empty(gateway.Logs.WithId(UsherEvents.BackendUnavailable));
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }
}
