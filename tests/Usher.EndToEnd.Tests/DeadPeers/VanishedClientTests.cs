using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.DeadPeers;

/// <summary>A client in its own network namespace (a laptop behind a VPN) whose link is cut without a FIN or a RST:
/// the gateway must find it dead with its own keepalive / TCP_USER_TIMEOUT, close the backend's connection and free
/// the identity's slot.</summary>
public sealed class VanishedClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_idle_client_that_vanishes_is_found_dead_by_keepalive_within_five_seconds_and_its_slot_is_freed()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(EndToEnd.Listener(backend.EndPoint, ns.HostAddress, maxSessionsPerIdentity: 1));
        var identity = ns.Address.ToString();

        var client = ConnectFromNamespace(ns, gateway);
        Assert.Equal("hello 1", await client.WaitForLineAsync(l => l.Length > 0, EndToEnd.Soon));
        var opened = await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon);
        Assert.Equal(identity, opened["Identity"]);
        Assert.Equal(1, backend.Open);

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        var detectedAfter = sinceDrop.Elapsed;
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {detectedAfter.TotalSeconds:0.00} s after the drop");

        Assert.Equal("client", dead["Side"]);
        Assert.Equal("keepalive", dead["Detector"]);
        Assert.True(detectedAfter <= EndToEnd.DetectionBudget,
            $"found dead {detectedAfter.TotalSeconds:0.00} s after the drop; the budget is {EndToEnd.DetectionBudget.TotalSeconds} s");
        await AssertClosedAndFreedAsync(gateway, backend, identity, CloseReason.ClientDead);

        // The link comes back: the same address is admitted again (the limit is 1, so only a freed slot lets it in).
        await ns.RestoreAsync();
        var again = ConnectFromNamespace(ns, gateway);
        Assert.Equal("hello 2", await again.WaitForLineAsync(l => l.Length > 0, EndToEnd.Soon));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    [Fact]
    public async Task A_client_that_vanishes_while_the_backend_sends_to_it_is_found_dead_by_the_user_timeout_within_five_seconds()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(EndToEnd.Listener(backend.EndPoint, ns.HostAddress, maxSessionsPerIdentity: 1));
        var identity = ns.Address.ToString();

        var client = ConnectFromNamespace(ns, gateway);
        Assert.Equal("hello 1", await client.WaitForLineAsync(l => l.Length > 0, EndToEnd.Soon));
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon);

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();

        // The backend pushes news the client will never acknowledge: the gateway's send stays unacknowledged.
        var serverSide = backend.Connections.Values.Single();
        await serverSide.SendAsync(Encoding.ASCII.GetBytes("news for a client that is gone\n"), SocketFlags.None);
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        var detectedAfter = sinceDrop.Elapsed;
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {detectedAfter.TotalSeconds:0.00} s after the drop");

        Assert.Equal("client", dead["Side"]);
        Assert.Equal("user timeout", dead["Detector"]);
        Assert.True(detectedAfter <= EndToEnd.DetectionBudget,
            $"found dead {detectedAfter.TotalSeconds:0.00} s after the drop; the budget is {EndToEnd.DetectionBudget.TotalSeconds} s");
        await AssertClosedAndFreedAsync(gateway, backend, identity, CloseReason.ClientDead);
    }

    /// <summary>bash inside the namespace opens a TCP connection to the gateway, prints the greeting and holds the
    /// connection open without a word more, as an idle client does.</summary>
    private static RunningProcess ConnectFromNamespace(Netns ns, TestGateway gateway) =>
        ns.Start("bash", "-c", $"exec 3<>/dev/tcp/{gateway.EndPoint.Address}/{gateway.EndPoint.Port} || exit 1; head -n 1 <&3; exec sleep 60");

    private static async Task AssertClosedAndFreedAsync(TestGateway gateway, SessionServer backend, string identity, CloseReason reason)
    {
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(reason, closed["CloseReason"]);
        Assert.Equal(identity, closed["Identity"]);

        // The backend's session ends with it (an orderly close it can see), and the ledger forgets the identity.
        await backend.WaitUntilAsync(s => s.Open == 0, EndToEnd.Soon);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, gateway.SessionsOf(identity));
        Assert.Equal(0, gateway.Gateway.Registry.Count);
    }
}
