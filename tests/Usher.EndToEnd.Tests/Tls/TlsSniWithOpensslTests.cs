using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>openssl s_client through Usher to openssl s_server, TLS passed through untouched and counted by the server
/// name the ClientHello asks for (<c>Identity: TlsSni</c>, one session per name): the name over its limit gets a TLS
/// alert access_denied, another name is counted apart, and a ClientHello without SNI is rejected.</summary>
public sealed class TlsSniWithOpensslTests(TestCertificate certificate) : IClassFixture<TestCertificate>
{
    [Fact]
    public async Task A_second_session_for_a_held_server_name_gets_alert_access_denied_and_another_name_is_counted_apart()
    {
        await using var server = await OpensslServer.StartAsync(certificate);
        await using var gateway = TestGateway.Start(Listener(server));

        // a.example holds its session: the handshake went through the gateway to s_server and back.
        await using var held = SClient(gateway, "-servername", "a.example");
        await WaitForHandshakeAsync(held, server);
        Assert.Contains($"subject={TestCertificate.Subject}", held.Output);

        var second = await SClientAsync(gateway, "-servername", "a.example");
        Assert.True(second.ExitCode != 0, second.ToString());
        Assert.Contains("alert access denied", second.Errors, StringComparison.Ordinal);
        Assert.Contains("SSL alert number 49", second.Errors, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("a.example", refusal["Identity"]);
        Assert.Equal("TlsSni", refusal["IdentityKind"]);

        // b.example is admitted while a.example holds its slot; s_server, busy with a.example, answers it next.
        await using var other = SClient(gateway, "-servername", "b.example");
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "b.example");
        Assert.Equal(1, gateway.SessionsOf("a.example"));
        Assert.Equal(1, gateway.SessionsOf("b.example"));

        await held.DisposeAsync();
        await WaitForHandshakeAsync(other, server);
        Assert.Contains($"subject={TestCertificate.Subject}", other.Output);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (string?)r["Identity"] == "a.example");
        Assert.Equal(0, gateway.SessionsOf("a.example"));
        Assert.Single(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    [Fact]
    public async Task A_ClientHello_without_SNI_is_rejected_with_event_9650_and_alert_unrecognized_name()
    {
        await using var server = await OpensslServer.StartAsync(certificate);
        await using var gateway = TestGateway.Start(Listener(server));

        var nameless = await SClientAsync(gateway, "-noservername");

        Assert.True(nameless.ExitCode != 0, nameless.ToString());
        Assert.Contains("unrecognized name", nameless.Errors, StringComparison.Ordinal);
        Assert.Contains("SSL alert number 112", nameless.Errors, StringComparison.Ordinal);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Equal("no SNI", rejected["Problem"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionOpened));
    }

    private static ListenerSettings Listener(OpensslServer server) => new()
    {
        Name = "tls",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = server.EndPoint.Address.ToString(),
        BackendPort = server.EndPoint.Port,
        Identity = IdentityKind.TlsSni,
        MaxSessionsPerIdentity = 1,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    /// <summary>s_client through the gateway with its standard input held open: it keeps its connection.</summary>
    private static RunningProcess SClient(TestGateway gateway, params string[] options) =>
        RunningProcess.Start(Tools.Find("openssl"), ["s_client", "-connect", gateway.EndPoint.ToString(), .. options], keepInputOpen: true);

    /// <summary>s_client through the gateway with its standard input at its end: it ends once the handshake ends.</summary>
    private static Task<ProcessResult> SClientAsync(TestGateway gateway, params string[] options) =>
        RunningProcess.RunAsync(Tools.Find("openssl"), ["s_client", "-connect", gateway.EndPoint.ToString(), .. options], TimeSpan.FromSeconds(30));

    /// <summary>Waits for the summary s_client prints once its handshake is complete.</summary>
    private static async Task WaitForHandshakeAsync(RunningProcess client, OpensslServer server)
    {
        try
        {
            await client.WaitForLineAsync(l => l.StartsWith("Verify return code", StringComparison.Ordinal), EndToEnd.Soon);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}{server.Describe()}", e);
        }
    }
}
