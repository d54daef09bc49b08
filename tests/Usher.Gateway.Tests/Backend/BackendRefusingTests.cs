using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Backend;

public sealed class BackendRefusingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ABackendPortThatRefusesClosesTheClientAndReleasesTheLease()
    {
        // Bound but not listening: the port stays ours and every connect to it is refused.
        using var closedPort = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closedPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var gateway = TestGateway.Start(TestGateway.Listener((IPEndPoint)closedPort.LocalEndPoint!));

        using var client = await TestClient.ConnectAsync(gateway.EndPoint);

        Assert.Null(await client.ReadAsync(Wait));
        var unavailable = await gateway.Logs.WaitForAsync(UsherEvents.BackendUnavailable, Wait);
        Assert.Equal(nameof(SocketError.ConnectionRefused), unavailable["Problem"]);
        Assert.Equal("127.0.0.1", unavailable["Identity"]);
        Assert.Equal($"127.0.0.1:{((IPEndPoint)closedPort.LocalEndPoint!).Port}", unavailable["Backend"]);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendUnavailable, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }
}
