using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Proxy;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.Gateway.Tests.Faults;

/// <summary>A backend that stops reading while its client keeps sending (a server stuck on a lock, a full disk):
/// the gateway must pass the pressure back to the client instead of buffering, hold at most one pipe for the
/// direction, and still end the session cleanly afterwards.</summary>
[Collection(LoadCollection.Name)]
public sealed class StalledBackendTests(ITestOutputHelper output)
{
    private const long Offered = 200L * 1024 * 1024;
    private const long MaxRssGrowth = 48L * 1024 * 1024;
    private static readonly TimeSpan OfferFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_client_is_held_back_the_gateway_holds_at_most_a_pipe_and_every_byte_arrives_once_the_backend_reads_again()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        using var server = await backend.AcceptAsync(Wait);
        var session = await Sessions.OnlyAsync(gateway, Wait);
        var rssBefore = ProcessMemory.Rss();

        var flood = await Flood.SendAsync(client.Socket, Offered, OfferFor, StallAfter);

        var rssGrowth = ProcessMemory.Rss() - rssBefore;
        var inBackendKernel = SocketQueues.Unread(server) + SocketQueues.Unacknowledged(session.BackendFd);
        var held = session.Record.BytesFromClient - inBackendKernel;
        output.WriteLine($"offered {Offered / 1048576} MB for {OfferFor.TotalSeconds} s: the client's kernel took {flood.Sent / 1048576.0:0.0} MB " +
            $"in {flood.Elapsed.TotalSeconds:0.0} s, stalled: {flood.Stalled}; the gateway read {session.Record.BytesFromClient / 1048576.0:0.0} MB, " +
            $"of which {inBackendKernel / 1048576.0:0.0} MB sit in the backend connection's kernel queues and {held} B in the gateway; " +
            $"test process RSS {rssGrowth / 1048576.0:+0.0;-0.0} MB");
        Assert.True(flood.Stalled, $"the client was never held back: {flood.Sent} B taken in {flood.Elapsed}");
        Assert.True(flood.Sent < Offered / 2, $"the client's kernel took {flood.Sent} B of {Offered}");
        Assert.InRange(held, 0, PipePool.Capacity);
        Assert.True(rssGrowth < MaxRssGrowth, $"RSS grew by {rssGrowth} B");
        Assert.Equal(CloseReason.None, session.Record.CloseReason);

        // The backend reads again: every byte arrives in order; then the client's FIN reaches the backend, which
        // closes in turn, and the session ends cleanly.
        await Flood.ReceiveAsync(server, 0, flood.Sent, Wait);
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await Sessions.ReceiveToEndAsync(server, Wait));
        server.Shutdown(SocketShutdown.Send);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(flood.Sent, closed["BytesFromClient"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task A_client_that_resets_while_the_backend_is_not_reading_ends_the_session_as_ClientClosed_and_frees_the_slot()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        using var server = await backend.AcceptAsync(Wait);
        await Sessions.OnlyAsync(gateway, Wait);
        var flood = await Flood.SendAsync(client.Socket, Offered, OfferFor, StallAfter);
        Assert.True(flood.Stalled);

        FaultBackend.Reset(client.Socket);

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        // The backend's connection is closed too: what it has not read yet is still there, then its end.
        Assert.InRange(await Sessions.ReceiveToEndAsync(server, Wait), 0, flood.Sent);
    }
}

/// <summary>Small waits the fault tests share.</summary>
internal static class Sessions
{
    /// <summary>The gateway's one session once its backend connection exists.</summary>
    public static async Task<ProxySession> OnlyAsync(TestGateway gateway, TimeSpan timeout)
    {
        await Eventually.HoldsAsync(() => gateway.Gateway.Registry.Sessions.Any(s => s.BackendFd >= 0), timeout, "a session connected to its backend");
        return gateway.Gateway.Registry.Sessions.Single();
    }

    /// <summary>Reads <paramref name="socket"/> to its end; returns the bytes read (a reset counts as the end).</summary>
    public static async Task<long> ReceiveToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256 * 1024];
        long total = 0;
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) is > 0 and var read)
            {
                total += read;
            }
        }
        catch (SocketException)
        {
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the connection did not end within {timeout} ({total} B read)");
        }

        return total;
    }
}
