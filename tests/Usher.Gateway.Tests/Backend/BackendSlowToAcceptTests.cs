using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Backend;

public sealed class BackendSlowToAcceptTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task ABackendWhoseAcceptQueueIsFullClosesTheClientWithinConnectTimeout()
    {
        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen(1);
        var fillers = await AcceptQueue.FillAsync((IPEndPoint)backend.LocalEndPoint!);
        try
        {
            await using var gateway = TestGateway.Start(TestGateway.Listener((IPEndPoint)backend.LocalEndPoint!)
                .With(connectTimeout: ConnectTimeout));

            var clock = Stopwatch.StartNew();
            using var client = await TestClient.ConnectAsync(gateway.EndPoint);
            Assert.Null(await client.ReadAsync(ConnectTimeout + Margin));
            var elapsed = clock.Elapsed;

            Assert.InRange(elapsed, ConnectTimeout - TimeSpan.FromMilliseconds(100), ConnectTimeout + Margin);
            var unavailable = await gateway.Logs.WaitForAsync(UsherEvents.BackendUnavailable, Margin);
            Assert.Contains("ConnectTimeout", (string)unavailable["Problem"]!, StringComparison.Ordinal);
            Assert.InRange((long)unavailable["ElapsedMs"]!, 900, (long)(ConnectTimeout + Margin).TotalMilliseconds);
            var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Margin);
            Assert.Equal(CloseReason.BackendUnavailable, closed["CloseReason"]);
            Assert.Equal(0, gateway.Gateway.Ledger.Total);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }
}
