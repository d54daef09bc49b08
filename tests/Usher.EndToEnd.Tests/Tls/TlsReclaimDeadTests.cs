using System.Diagnostics;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>ReclaimDead on a listener that terminates TLS: the TLS session of a client that vanished (its network
/// namespace cut off without a FIN or a RST) is probed on its TCP socket when a newcomer of the same identity finds
/// the limit reached, found dead, reclaimed, and the newcomer gets in.</summary>
[Collection(TlsCollection.Name)]
public sealed class TlsReclaimDeadTests(TlsCertificates certificates, ITestOutputHelper output)
{
    [Fact]
    public async Task A_vanished_TLS_clients_slot_is_reclaimed_for_a_newcomer_of_the_same_server_name()
    {
        await using var ns = await Netns.CreateAsync();
        await using var backend = new SessionServer();
        var listener = TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1, listen: ns.HostAddress,
            onLimit: OnLimitPolicy.ReclaimDead);
        await using var gateway = TestGateway.Start(listener);
        await using var vanishing = ns.Start("openssl", "s_client", "-connect", $"{gateway.EndPoint.Address}:{gateway.EndPoint.Port}",
            "-servername", "a.example", "-CAfile", certificates.CaPem, "-verify_return_error", "-ign_eof", "-brief");
        await vanishing.WaitForLineAsync(l => l == "hello 1", EndToEnd.Soon);
        var held = Assert.Single(gateway.Gateway.Registry.Sessions);

        // A session is probed once idle for ProbeMinIdle: the vanishing client has been quiet that long.
        var minIdle = (long)listener.ProbeMinIdle.TotalMilliseconds + 100;
        await Eventually.HoldsAsync(() => Environment.TickCount64 - held.Record.LastActivityTicks >= minIdle, EndToEnd.Soon, "the session idle");
        await ns.CutOffAsync();
        var back = Stopwatch.StartNew();
        await using var newcomer = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 2\n", await newcomer.ReadAsync(listener.ReclaimWait + EndToEnd.Soon));
        output.WriteLine($"the newcomer got in {back.Elapsed.TotalSeconds:0.00} s after the cut");

        var reclaimed = await gateway.Logs.WaitForAsync(UsherEvents.SessionReclaimed, EndToEnd.Soon);
        Assert.Equal(held.Record.Id, reclaimed["SessionId"]);
        Assert.Equal("a.example", reclaimed["Identity"]);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (long)r["SessionId"]! == held.Record.Id);
        Assert.Equal(CloseReason.Reclaimed, closed["CloseReason"]);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal(1, gateway.SessionsOf("a.example"));
        await backend.WaitUntilAsync(b => b.Open == 1, EndToEnd.Soon);
    }
}
