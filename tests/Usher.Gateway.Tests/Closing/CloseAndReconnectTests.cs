using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Gateway.Tests.Closing;

/// <summary>A client that closes a session and opens the next at once (a connection per request, a pool that
/// recycles) never holds more than its limit, so it is never refused: its newcomer waits in line for the closing
/// session, whose end hands the slot over.</summary>
public sealed class CloseAndReconnectTests
{
    private const int Requests = 2000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_connects_asks_reads_and_closes_2000_times_at_a_limit_of_1_is_never_refused(bool halfClose)
    {
        await using var backend = new SessionServer(greet: false);
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
            .With(maxSessionsPerIdentity: 1, halfClose: halfClose));
        var clock = Stopwatch.StartNew();
        var refused = 0;
        var done = 0;
        var buffer = new byte[16];
        while (done < Requests && clock.Elapsed < Bound)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(gateway.EndPoint);
            await client.SendAsync("ping\n"u8.ToArray());
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var got = 0;
            try
            {
                while (got < 5 && await client.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, read.Token) is > 0 and var n)
                {
                    got += n;
                }
            }
            catch (SocketException)
            {
                // Reset: refused.
            }

            if (got < 5)
            {
                refused++;
            }

            done++;
        }

        Assert.Equal(Requests, done);
        Assert.Equal(0, refused);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, TimeSpan.FromSeconds(10), "every slot is back");
    }

    [Fact]
    public async Task A_client_that_truly_holds_its_limit_is_refused_when_ClosingWait_ends_not_later()
    {
        var closingWait = TimeSpan.FromMilliseconds(700);
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
            .With(maxSessionsPerIdentity: 1, closingWait: closingWait));
        using var holder = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await holder.IsAdmittedAsync());

        var clock = Stopwatch.StartNew();
        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.Null(await newcomer.ReadAsync(TimeSpan.FromSeconds(10)));
        var elapsed = clock.Elapsed;

        Assert.InRange(elapsed, closingWait - TimeSpan.FromMilliseconds(50), closingWait + TimeSpan.FromSeconds(3));
        await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, TimeSpan.FromSeconds(5));
        Assert.Equal(1, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, gateway.Gateway.Listeners[0].WaitingOf("127.0.0.1"));
    }

    [Fact]
    public async Task With_ClosingWait_0_a_client_at_its_limit_is_refused_at_once()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
            .With(maxSessionsPerIdentity: 1, closingWait: TimeSpan.Zero));
        using var holder = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.True(await holder.IsAdmittedAsync());

        var clock = Stopwatch.StartNew();
        using var newcomer = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.Null(await newcomer.ReadAsync(TimeSpan.FromSeconds(10)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refused after {clock.Elapsed.TotalMilliseconds:0} ms");
        await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_newcomer_waiting_in_line_is_handed_the_slot_of_the_session_that_ends_and_relays_on_its_reactor()
    {
        await using var line = await OneSlotTaken.StartAsync();
        var (_, gateway, listener, holder, newcomer) = line;
        await newcomer.SendAsync("said while waiting\n");

        holder.Socket.Close();

        const string Expected = "hello 2\nsaid while waiting\n";
        var got = "";
        while (got.Length < Expected.Length && await newcomer.ReadAsync(TimeSpan.FromSeconds(10)) is { } more)
        {
            got += more;
        }

        Assert.Equal(Expected, got);
        await newcomer.SendAsync("and after\n");
        Assert.Equal("and after\n", await newcomer.ReadAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, listener.WaitingOf("127.0.0.1"));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    [Fact]
    public async Task A_newcomer_that_leaves_the_line_holds_nothing_and_the_slot_is_freed_when_the_holder_ends()
    {
        await using var line = await OneSlotTaken.StartAsync();
        var (backend, gateway, listener, holder, newcomer) = line;

        newcomer.Socket.LingerState = new LingerOption(true, 0);
        newcomer.Dispose();
        await Eventually.HoldsAsync(() => listener.WaitingOf("127.0.0.1") == 0, TimeSpan.FromSeconds(5),
            "the newcomer that left is out of the line at once");
        holder.Socket.Close();

        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, TimeSpan.FromSeconds(5), "the slot is free");
        await backend.WaitUntilAsync(b => b.Open == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(1, backend.Accepted);
    }

    [Fact]
    public async Task A_line_no_longer_than_the_limit_waits_and_the_newcomers_past_it_are_refused_at_once()
    {
        await using var line = await OneSlotTaken.StartAsync();
        var (_, gateway, listener, _, _) = line;

        var clock = Stopwatch.StartNew();
        using var past = await TestClient.ConnectAsync(gateway.EndPoint);
        Assert.Null(await past.ReadAsync(TimeSpan.FromSeconds(10)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refused after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(1, listener.WaitingOf("127.0.0.1"));
    }

    /// <summary>A gateway at a limit of 1 (ClosingWait 30 s) whose one slot a holder takes, and a newcomer waiting in
    /// line behind it.</summary>
    private sealed record OneSlotTaken(SessionServer Backend, TestGateway Gateway, Listeners.GatewayListener Listener,
        TestClient Holder, TestClient Newcomer) : IAsyncDisposable
    {
        public static async Task<OneSlotTaken> StartAsync()
        {
            var backend = new SessionServer();
            var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint)
                .With(maxSessionsPerIdentity: 1, closingWait: TimeSpan.FromSeconds(30)));
            var listener = gateway.Gateway.Listeners[0];
            var holder = await TestClient.ConnectAsync(gateway.EndPoint);
            Assert.True(await holder.IsAdmittedAsync());
            var newcomer = await TestClient.ConnectAsync(gateway.EndPoint);
            await Eventually.HoldsAsync(() => listener.WaitingOf("127.0.0.1") == 1, TimeSpan.FromSeconds(10),
                "the newcomer waits in line");
            return new OneSlotTaken(backend, gateway, listener, holder, newcomer);
        }

        public async ValueTask DisposeAsync()
        {
            Newcomer.Dispose();
            Holder.Dispose();
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }
}
