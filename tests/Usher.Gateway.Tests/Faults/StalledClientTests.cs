using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.Gateway.Tests.Faults;

/// <summary>A client that stops reading while its backend floods it (a frozen application, a slow mobile link): the
/// gateway must hold the backend back rather than buffer what the client does not take, and end the session cleanly
/// afterwards.</summary>
[Collection(LoadCollection.Name)]
public sealed class StalledClientTests(ITestOutputHelper output)
{
    private const long Offered = 200L * 1024 * 1024;
    private const long MaxRssGrowth = 48L * 1024 * 1024;
    private static readonly TimeSpan OfferFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_backend_is_held_back_the_gateway_holds_at_most_a_pipe_and_every_byte_arrives_once_the_client_reads_again()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        using var server = await backend.AcceptAsync(Wait);
        var session = await Sessions.OnlyAsync(gateway, Wait);
        var rssBefore = ProcessMemory.Rss();

        var flood = await Flood.SendAsync(server, Offered, OfferFor, StallAfter);

        var rssGrowth = ProcessMemory.Rss() - rssBefore;
        var inClientKernel = SocketQueues.Unread(client.Socket) + SocketQueues.Unacknowledged(session.ClientFd);
        var held = session.Record.BytesFromBackend - inClientKernel;
        output.WriteLine($"offered {Offered / 1048576} MB for {OfferFor.TotalSeconds} s: the backend's kernel took {flood.Sent / 1048576.0:0.0} MB " +
            $"in {flood.Elapsed.TotalSeconds:0.0} s, stalled: {flood.Stalled}; the gateway read {session.Record.BytesFromBackend / 1048576.0:0.0} MB, " +
            $"of which {inClientKernel / 1048576.0:0.0} MB sit in the client connection's kernel queues and {held} B in the gateway; " +
            $"test process RSS {rssGrowth / 1048576.0:+0.0;-0.0} MB");
        Assert.True(flood.Stalled, $"the backend was never held back: {flood.Sent} B taken in {flood.Elapsed}");
        Assert.True(flood.Sent < Offered / 2, $"the backend's kernel took {flood.Sent} B of {Offered}");
        Assert.InRange(held, 0, PipePool.Capacity);
        Assert.True(rssGrowth < MaxRssGrowth, $"RSS grew by {rssGrowth} B");
        Assert.Equal(CloseReason.None, session.Record.CloseReason);

        // The client reads again: every byte arrives in order; then the backend closes and the session ends cleanly.
        await Flood.ReceiveAsync(client.Socket, 0, flood.Sent, Wait);
        server.Shutdown(SocketShutdown.Send);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(flood.Sent, closed["BytesFromBackend"]);
        Assert.Equal(0, await Sessions.ReceiveToEndAsync(client.Socket, Wait));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Gateway.Registry.Sessions);
    }

    [Fact]
    public async Task A_backend_that_resets_while_the_client_is_not_reading_ends_the_session_as_BackendClosed_and_frees_the_slot()
    {
        using var backend = new FaultBackend();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        using var server = await backend.AcceptAsync(Wait);
        await Sessions.OnlyAsync(gateway, Wait);
        var flood = await Flood.SendAsync(server, Offered, OfferFor, StallAfter);
        Assert.True(flood.Stalled);

        FaultBackend.Reset(server);

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        // The client's connection is closed too: what it has not read yet is still there, then its end.
        Assert.InRange(await Sessions.ReceiveToEndAsync(client.Socket, Wait), 0, flood.Sent);
    }
}
