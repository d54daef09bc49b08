using Usher.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A listener that terminates TLS in front of a plain TCP backend: openssl s_client and SslStream clients
/// get through, the backend speaks plain text, and sessions are counted by the server name the client asked for.</summary>
[Collection(TlsCollection.Name)]
public sealed class SniTerminationTests(TlsCertificates certificates)
{
    [Fact]
    public async Task Openssl_s_client_gets_through_TLS_and_sees_the_backend_greeting()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4));

        await using var client = TlsListener.SClient(certificates, gateway.EndPoint, "a.example");
        await client.WaitForLineAsync(l => l == "hello 1", EndToEnd.Soon);

        Assert.Contains(client.Errors, l => l.Contains("Verification: OK", StringComparison.Ordinal));
        var session = Assert.Single(gateway.Gateway.Registry.All);
        Assert.Equal("a.example", session.Record.Identity.Value);
        Assert.Equal(1, gateway.SessionsOf("a.example"));

        await client.DisposeAsync();
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Contains(closed["CloseReason"], new object[] { CloseReason.ClientClosed, CloseReason.ClientDead });
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, EndToEnd.Soon, "the ledger is empty");
        await backend.WaitUntilAsync(b => b.Open == 0, EndToEnd.Soon);
    }

    [Fact]
    public async Task With_a_limit_of_one_per_server_name_a_second_a_example_is_refused_and_b_example_passes()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 1));

        await using var first = TlsListener.SClient(certificates, gateway.EndPoint, "a.example");
        await first.WaitForLineAsync(l => l == "hello 1", EndToEnd.Soon);

        // The second a.example completes its handshake, is counted and logged, then gets close_notify.
        await using var second = TlsListener.SClient(certificates, gateway.EndPoint, "a.example");
        await second.WaitForExitAsync(EndToEnd.Soon);
        Assert.DoesNotContain(second.Output, l => l.StartsWith("hello", StringComparison.Ordinal));
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("a.example", refusal["Identity"]);
        Assert.Equal("TlsSni", refusal["IdentityKind"]);
        Assert.Equal(1, refusal["Limit"]);

        await using var other = TlsListener.SClient(certificates, gateway.EndPoint, "b.example");
        await other.WaitForLineAsync(l => l == "hello 2", EndToEnd.Soon);
        Assert.Equal(1, gateway.SessionsOf("a.example"));
        Assert.Equal(1, gateway.SessionsOf("b.example"));
        Assert.Equal(2, backend.Accepted);

        await first.DisposeAsync();
        await other.DisposeAsync();
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0 && gateway.Gateway.Registry.Count == 0,
            EndToEnd.Soon, "the ledger and the registry are empty");
        await backend.WaitUntilAsync(b => b.Open == 0, EndToEnd.Soon);
    }

    [Fact]
    public async Task Bytes_are_relayed_both_ways_and_the_client_socket_has_the_listener_keepalive()
    {
        await using var backend = new SessionServer();
        var listener = TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4);
        await using var gateway = TestGateway.Start(listener);

        await using var client = await TlsClient.ConnectAsync(gateway.EndPoint, "b.example", certificates.Ca);
        Assert.Equal("hello 1\n", await client.ReadAsync());
        var payload = new string('x', 100_000) + "\n";
        await client.SendAsync(payload);
        var echoed = new System.Text.StringBuilder();
        while (echoed.Length < payload.Length && await client.ReadAsync() is { } part)
        {
            echoed.Append(part);
        }

        Assert.Equal(payload, echoed.ToString());

        var session = Assert.Single(gateway.Gateway.Registry.Sessions);
        var expected = new SocketLiveness(true, listener.Keepalive.Idle, listener.Keepalive.Interval, listener.Keepalive.Count,
            listener.UserTimeout, NoDelay: true);
        Assert.Equal(expected, SocketTuning.Read(session.ClientFd));
        // The backend socket gets its keepalive once it outlives SocketTuning.LivenessDelay.
        await Eventually.HoldsAsync(() => SocketTuning.Read(session.BackendFd) == expected, TimeSpan.FromSeconds(15),
            "the backend socket carries the listener's keepalive");
        Assert.Equal(payload.Length, session.Record.BytesFromClient);

        // The backend ends the session: the client gets close_notify, the close is BackendClosed.
        backend.Connections[1].Shutdown(System.Net.Sockets.SocketShutdown.Both);
        Assert.Null(await client.ReadAsync());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(CloseReason.BackendClosed, closed["CloseReason"]);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_client_that_names_no_server_is_rejected_with_event_9650()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsSni, 4));

        await using var client = RunningProcess.Start(Tools.Find("openssl"),
            ["s_client", "-connect", $"127.0.0.1:{gateway.EndPoint.Port}", "-noservername", "-ign_eof"]);
        await client.WaitForExitAsync(EndToEnd.Soon);

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Equal("no SNI", rejected["Problem"]);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }
}
