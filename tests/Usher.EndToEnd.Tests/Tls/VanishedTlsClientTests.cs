using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>An openssl s_client in its own network namespace whose link is cut without a FIN or a RST: the gateway
/// finds the TLS session's client dead with the keepalive the client socket inherited from the listener (or with
/// TCP_USER_TIMEOUT when the backend sends to it), closes the backend's connection and frees the slot.</summary>
[Collection(TlsCollection.Name)]
public sealed class VanishedTlsClientTests(TlsCertificates certificates, ITestOutputHelper output)
{
    [Fact]
    public async Task An_idle_TLS_client_that_vanishes_is_found_dead_by_keepalive_and_its_slot_is_freed()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1,
            listen: ns.HostAddress));
        await ConnectFromNamespaceAsync(ns, gateway);

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {sinceDrop.Elapsed.TotalSeconds:0.00} s after the drop");

        Assert.Equal("client", dead["Side"]);
        Assert.Equal("keepalive", dead["Detector"]);
        Assert.True(sinceDrop.Elapsed <= EndToEnd.DetectionBudget + TimeSpan.FromSeconds(1),
            $"found dead {sinceDrop.Elapsed.TotalSeconds:0.00} s after the drop; the budget is {EndToEnd.DetectionBudget.TotalSeconds} s");
        await AssertClosedAndFreedAsync(gateway, backend, CloseReason.ClientDead);
    }

    [Fact]
    public async Task A_TLS_client_that_vanishes_while_the_backend_sends_to_it_is_found_dead_by_the_user_timeout()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1,
            listen: ns.HostAddress));
        await ConnectFromNamespaceAsync(ns, gateway);

        await ns.CutOffAsync();
        var sinceDrop = Stopwatch.StartNew();
        await backend.Connections.Values.Single().SendAsync(Encoding.ASCII.GetBytes("news for a client that is gone\n"), SocketFlags.None);
        var dead = await gateway.Logs.WaitForAsync(UsherEvents.PeerDead, TimeSpan.FromSeconds(30));
        output.WriteLine($"{dead["Side"]} found dead by {dead["Detector"]} {sinceDrop.Elapsed.TotalSeconds:0.00} s after the drop");

        Assert.Equal("client", dead["Side"]);
        Assert.Equal("user timeout", dead["Detector"]);
        await AssertClosedAndFreedAsync(gateway, backend, CloseReason.ClientDead);
    }

    private async Task ConnectFromNamespaceAsync(Netns ns, TestGateway gateway)
    {
        var client = ns.Start("openssl", "s_client", "-connect", $"{gateway.EndPoint.Address}:{gateway.EndPoint.Port}",
            "-servername", "a.example", "-CAfile", certificates.CaPem, "-verify_return_error", "-ign_eof", "-brief");
        await client.WaitForLineAsync(l => l == "hello 1", EndToEnd.Soon);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon);
        Assert.Equal(1, gateway.SessionsOf("a.example"));
    }

    private static async Task AssertClosedAndFreedAsync(TestGateway gateway, SessionServer backend, CloseReason reason)
    {
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(reason, closed["CloseReason"]);
        Assert.Equal("a.example", closed["Identity"]);
        await backend.WaitUntilAsync(s => s.Open == 0, EndToEnd.Soon);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Equal(0, gateway.Gateway.Registry.Count);
    }
}
