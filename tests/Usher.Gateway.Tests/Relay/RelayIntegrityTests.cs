using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Relay;

public sealed class RelayIntegrityTests
{
    private const int Size = 8 * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EightMegabytesOfRandomBytesComeBackFromTheEchoBackendUnchangedAndAreCounted()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        using var cts = new CancellationTokenSource(Wait);

        var greeting = await client.Socket.ReceiveExactlyAsync("hello 1\n".Length, cts.Token);
        Assert.Equal("hello 1\n", Encoding.ASCII.GetString(greeting));
        var session = Assert.Single(gateway.Gateway.Registry.Sessions);

        var sent = new byte[Size];
        Random.Shared.NextBytes(sent);
        var receiving = client.Socket.ReceiveExactlyAsync(Size, cts.Token);
        for (var offset = 0; offset < Size; offset += 256 * 1024)
        {
            await client.Socket.SendAsync(sent.AsMemory(offset, Math.Min(256 * 1024, Size - offset)), SocketFlags.None, cts.Token);
        }

        var received = await receiving;
        Assert.True(sent.AsSpan().SequenceEqual(received), "the echoed bytes differ from the bytes sent");

        client.Socket.Shutdown(SocketShutdown.Both);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, session.Record.CloseReason);
        Assert.Equal(Size, session.Record.BytesFromClient);
        Assert.Equal(Size + greeting.Length, session.Record.BytesFromBackend);
        Assert.Equal(session.Record.BytesFromClient, closed["BytesFromClient"]);
        Assert.Equal(session.Record.BytesFromBackend, closed["BytesFromBackend"]);
    }
}
