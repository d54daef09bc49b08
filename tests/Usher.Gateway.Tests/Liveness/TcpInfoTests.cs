using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Liveness;

public sealed class TcpInfoTests
{
    [Fact]
    public async Task ReadsTheKernelsViewOfBothConnectionsOnDemandAndKeepsItOnTheRecord()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync());
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        Assert.Null(session.Record.ClientTcp);

        var (clientInfo, backendInfo) = await session.ReadTcpInfoAsync();

        Assert.Equal(Sockets.TcpState.Established, clientInfo!.Value.State);
        Assert.Equal(Sockets.TcpState.Established, backendInfo!.Value.State);
        Assert.True(clientInfo.Value.LastDataReceivedMs < 5_000, $"last data received {clientInfo.Value.LastDataReceivedMs} ms ago");
        Assert.Equal(0, clientInfo.Value.Probes);
        Assert.True(clientInfo.Value.LastAckReceivedMs < 5_000, "the client acknowledges what it was sent");
        Assert.True(clientInfo.Value.RttMicroseconds > 0);
        Assert.Equal("Established", session.Record.ClientTcp!.Value.State);
        Assert.Equal("Established", session.Record.BackendTcp!.Value.State);
        Assert.NotNull(session.Record.TcpReadAt);
    }

    [Fact]
    public async Task ReadsNothingOnceTheSessionHasEnded()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);

        var info = Sockets.TcpInfo.TryRead((int)client.Socket.Handle);
        Assert.Equal(Sockets.TcpState.Established, info!.Value.State);
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, TimeSpan.FromSeconds(10));
        Assert.Equal(CloseReason.ClientClosed, session.Record.CloseReason);
        var (afterClient, _) = await session.ReadTcpInfoAsync();
        Assert.Null(afterClient);
    }
}
