using System.Diagnostics;
using System.Net;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.DeadPeers;

/// <summary>A backend in its own network namespace (a server on another host) that vanishes without a FIN or a RST:
/// the gateway must find it dead, close the client's connection and free the client's slot.</summary>
public sealed class VanishedBackendTests(ITestOutputHelper output)
{
    private const int BackendPort = 7000;

    /// <summary>A one-file session server: greets each connection with "hello N", echoes, and says on stdout what
    /// happens, so the test knows when it listens and what it accepted.</summary>
    private const string ServerScript = """
        import signal, socket, sys, threading
        signal.alarm(180)  # never outlive a test run, even one killed before it could clean up
        address, port = sys.argv[1], int(sys.argv[2])
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(16)
        print("listening", flush=True)
        def serve(conn, n):
            try:
                conn.sendall(b"hello %d\n" % n)
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
            except OSError:
                pass
            finally:
                conn.close()
                print("closed %d" % n, flush=True)
        n = 0
        while True:
            conn, peer = listener.accept()
            n += 1
            print("accepted %d from %s" % (n, peer[0]), flush=True)
            threading.Thread(target=serve, args=(conn, n), daemon=True).start()
        """;

    [Fact]
    public async Task An_idle_backend_that_vanishes_is_found_dead_by_keepalive_within_five_seconds_and_the_client_is_closed_and_freed()
    {
        await using var ns = await Netns.CreateAsync();
        await StartBackendAsync(ns);
        await using var gateway = TestGateway.Start(EndToEnd.Listener(new IPEndPoint(ns.Address, BackendPort), IPAddress.Loopback, maxSessionsPerIdentity: 1));

        using var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.Equal("hello 1\n", await client.ReadAsync(EndToEnd.Soon));
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon);

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        var detectedAfter = sinceDrop.Elapsed;
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {detectedAfter.TotalSeconds:0.00} s after the drop");

        Assert.Equal("backend", dead["Side"]);
        Assert.Equal("keepalive", dead["Detector"]);
        Assert.True(detectedAfter <= EndToEnd.DetectionBudget,
            $"found dead {detectedAfter.TotalSeconds:0.00} s after the drop; the budget is {EndToEnd.DetectionBudget.TotalSeconds} s");
        await AssertClientClosedAndFreedAsync(gateway, client);

        // The backend's link comes back: the same client address is admitted again (the limit is 1).
        await ns.RestoreAsync();
        using var again = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.Equal("hello 2\n", await again.ReadAsync(EndToEnd.Soon));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    [Fact]
    public async Task A_backend_that_vanishes_while_the_client_sends_to_it_is_found_dead_by_the_user_timeout_within_five_seconds()
    {
        await using var ns = await Netns.CreateAsync();
        await StartBackendAsync(ns);
        await using var gateway = TestGateway.Start(EndToEnd.Listener(new IPEndPoint(ns.Address, BackendPort), IPAddress.Loopback, maxSessionsPerIdentity: 1));

        using var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.Equal("hello 1\n", await client.ReadAsync(EndToEnd.Soon));
        await client.SendAsync("echo?\n");
        Assert.Equal("echo?\n", await client.ReadAsync(EndToEnd.Soon));

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();
        await client.SendAsync("anyone there?\n");
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        var detectedAfter = sinceDrop.Elapsed;
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {detectedAfter.TotalSeconds:0.00} s after the drop");

        Assert.Equal("backend", dead["Side"]);
        Assert.Equal("user timeout", dead["Detector"]);
        Assert.True(detectedAfter <= EndToEnd.DetectionBudget,
            $"found dead {detectedAfter.TotalSeconds:0.00} s after the drop; the budget is {EndToEnd.DetectionBudget.TotalSeconds} s");
        await AssertClientClosedAndFreedAsync(gateway, client);
    }

    [Fact]
    public async Task A_client_arriving_while_the_backend_is_cut_off_is_closed_after_ConnectTimeout_as_BackendUnavailable_and_freed()
    {
        await using var ns = await Netns.CreateAsync();
        await StartBackendAsync(ns);
        var settings = EndToEnd.Listener(new IPEndPoint(ns.Address, BackendPort), IPAddress.Loopback, maxSessionsPerIdentity: 1);
        await using var gateway = TestGateway.Start(settings);
        await ns.CutOffAsync();

        var sinceConnect = Stopwatch.StartNew();
        using var client = await TestClient.ConnectAsync(gateway.EndPoint, "127.0.0.1");
        Assert.Null(await client.ReadAsync(settings.ConnectTimeout + EndToEnd.Soon));
        var closedAfter = sinceConnect.Elapsed;

        var unavailable = await gateway.Logs.WaitForAsync(UsherEvents.BackendUnavailable, EndToEnd.Soon);
        Assert.Contains("ConnectTimeout", (string)unavailable["Problem"]!, StringComparison.Ordinal);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.BackendUnavailable, closed["CloseReason"]);
        Assert.True(closedAfter >= settings.ConnectTimeout - TimeSpan.FromMilliseconds(250) && closedAfter <= settings.ConnectTimeout + TimeSpan.FromSeconds(3),
            $"closed {closedAfter.TotalSeconds:0.00} s after connecting; ConnectTimeout is {settings.ConnectTimeout.TotalSeconds} s");
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, gateway.SessionsOf("127.0.0.1"));
    }

    private static async Task StartBackendAsync(Netns ns)
    {
        var server = ns.Start("python3", "-u", "-c", ServerScript, ns.Address.ToString(), BackendPort.ToString());
        await server.WaitForLineAsync(l => l == "listening", EndToEnd.Soon);
    }

    private static async Task AssertClientClosedAndFreedAsync(TestGateway gateway, TestClient client)
    {
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.BackendDead, closed["CloseReason"]);

        // The client sees its connection end (not a hang), and its slot is free.
        Assert.Null(await client.ReadAsync(EndToEnd.Soon));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, gateway.SessionsOf("127.0.0.1"));
        Assert.Equal(0, gateway.Gateway.Registry.Count);
    }
}
