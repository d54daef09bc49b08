using System.Net.Sockets;
using Usher.Configuration;
using Usher.Testing;

namespace Usher.Gateway.Tests.Relay;

/// <summary>Past the pipe budget a session moves its data through the reactor's buffer, taking from the source only
/// what the destination accepts: nothing is lost, nothing stalls, and no pipe is created beyond the budget.</summary>
public sealed class PipelessRelayTests
{
    private const int Size = 4 * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_one_pipe_for_four_busy_sessions_every_byte_comes_back_unchanged_and_no_more_pipes_are_made()
    {
        await using var backend = new SessionServer();
        var logs = new LogCapture();
        await using var gateway = new UsherGateway(new GatewaySettings
        {
            Listeners = [TestGateway.Listener(backend.EndPoint)],
            Workers = 1,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        }, logs.CreateFactory())
        {
            PipesPerReactor = 1,
        };
        await gateway.StartAsync();
        var at = gateway.Listeners[0].LocalEndPoint;
        using var cts = new CancellationTokenSource(Wait);

        var echoes = Enumerable.Range(0, 4).Select(async i =>
        {
            using var client = await TestClient.ConnectAsync(at);
            Assert.True(await client.IsAdmittedAsync());
            var sent = new byte[Size];
            new Random(i).NextBytes(sent);
            var receiving = ReceiveExactlyAsync(client.Socket, Size, cts.Token);
            for (var offset = 0; offset < Size; offset += 256 * 1024)
            {
                await client.Socket.SendAsync(sent.AsMemory(offset, 256 * 1024), SocketFlags.None, cts.Token);
            }

            var received = await receiving;
            return sent.AsSpan().SequenceEqual(received);
        }).ToList();

        Assert.All(await Task.WhenAll(echoes), Assert.True);
        Assert.True(gateway.LivePipes <= 1, $"{gateway.LivePipes} pipes live with a budget of 1");
        await Eventually.HoldsAsync(() => gateway.Registry.Count == 0 && gateway.Ledger.Total == 0, Wait, "sessions end");
    }

    [Fact]
    public async Task With_no_pipe_to_be_had_a_client_that_stops_reading_holds_back_the_backend_and_then_gets_every_byte()
    {
        await using var backend = new SessionServer();
        var logs = new LogCapture();
        await using var gateway = new UsherGateway(new GatewaySettings
        {
            Listeners = [TestGateway.Listener(backend.EndPoint)],
            Workers = 1,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        }, logs.CreateFactory())
        {
            PipesPerReactor = 1,
        };
        await gateway.StartAsync();
        var at = gateway.Listeners[0].LocalEndPoint;
        using var cts = new CancellationTokenSource(Wait);

        // One session holds the only pipe with data parked in it: its client does not read.
        using var holder = await TestClient.ConnectAsync(at);
        Assert.True(await holder.IsAdmittedAsync());
        holder.Socket.ReceiveBufferSize = 4096;
        var parked = new byte[1024 * 1024];
        var parking = holder.Socket.SendAsync(parked, SocketFlags.None, cts.Token).AsTask();
        await Eventually.HoldsAsync(() => gateway.LivePipes == 1, Wait, "the stalled session holds the pipe");

        // A second session cannot get a pipe; its client writes 64 MB (more than every socket buffer on the way holds)
        // without reading, then reads everything.
        using var client = await TestClient.ConnectAsync(at);
        Assert.True(await client.IsAdmittedAsync());
        const int Large = 64 * 1024 * 1024;
        var sent = new byte[Large];
        new Random(7).NextBytes(sent);
        var sending = Task.Run(async () =>
        {
            for (var offset = 0; offset < Large; offset += 64 * 1024)
            {
                await client.Socket.SendAsync(sent.AsMemory(offset, 64 * 1024), SocketFlags.None, cts.Token);
            }
        });

        // Backpressure: with no reader, the sender is held back by the socket buffers, not by gateway memory.
        await Task.Delay(1000);
        Assert.False(sending.IsCompleted, "64 MB cannot all be in flight while the client does not read");
        var received = await ReceiveExactlyAsync(client.Socket, Large, cts.Token);
        await sending;
        Assert.True(sent.AsSpan().SequenceEqual(received), "the echoed bytes differ from the bytes sent");
        Assert.Equal(1, gateway.LivePipes);
        Assert.False(parking.IsFaulted);
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            Assert.True(read > 0, $"the connection closed after {filled} of {count} bytes");
            filled += read;
        }

        return buffer;
    }
}
