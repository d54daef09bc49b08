using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Shutdown;

public sealed class ShutdownDuringBackendConnectTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ASessionClosedWhileItsBackendConnectIsInFlightClosesTheBackendConnectionWhenItCompletes()
    {
        // A backend whose accept queue is full: the gateway's SYN is dropped and retried a second later.
        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen(1);
        var backendEndPoint = (IPEndPoint)backend.LocalEndPoint!;
        var fillers = await AcceptQueue.FillAsync(backendEndPoint);
        try
        {
            await using var gateway = TestGateway.Start(TestGateway.Listener(backendEndPoint).With(connectTimeout: Wait));
            using var client = await TestClient.ConnectAsync(gateway.EndPoint);
            await Eventually.HoldsAsync(() => gateway.Gateway.Registry.Count == 1, Wait, "the session is admitted");
            var session = gateway.Gateway.Registry.Sessions.Single();

            var stopping = gateway.Gateway.StopAsync(TimeSpan.Zero);
            await Eventually.HoldsAsync(() => session.Record.CloseReason == CloseReason.Shutdown, Wait, "the session is closed");

            // Make room: the gateway's next SYN gets through and its connect completes after the session was closed.
            for (var i = 0; i < fillers.Count; i++)
            {
                (await backend.AcceptAsync()).Dispose();
            }

            await stopping.WaitAsync(Wait);
            var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
            Assert.Equal(CloseReason.Shutdown, closed["CloseReason"]);
            Assert.Equal(0, gateway.Gateway.Ledger.Total);

            // Either the aborted connect never reaches the backend, or it arrives already closed: never a connection
            // the backend would keep as a session.
            var accept = backend.AcceptAsync();
            if (await Task.WhenAny(accept, Task.Delay(TimeSpan.FromSeconds(3))) == accept)
            {
                using var fromGateway = await accept;
                using var cts = new CancellationTokenSource(Wait);
                var read = await fromGateway.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token);
                Assert.Equal(0, read);
            }
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }
}
