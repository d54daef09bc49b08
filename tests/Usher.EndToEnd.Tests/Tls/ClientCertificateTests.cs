using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A listener that requires client certificates issued by its CA counts sessions by the certificate's
/// subject: alice's certificates count as alice, bob's as bob, and a certificate the CA never signed (or none) does
/// not get in.</summary>
[Collection(TlsCollection.Name)]
public sealed class ClientCertificateTests(TlsCertificates certificates)
{
    [Fact]
    public async Task With_a_limit_of_one_per_certificate_a_second_alice_is_refused_and_bob_passes()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(
            TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsClientCertificate, 1, clientCa: true));

        await using var alice = await TlsClient.ConnectAsync(gateway.EndPoint, "localhost", certificates.Ca, certificates.Alice);
        Assert.Equal("hello 1\n", await alice.ReadAsync());
        Assert.Equal(1, gateway.SessionsOf("alice"));

        // The second alice completes the handshake, is counted and logged, then the session ends (close_notify).
        await using var again = await TlsClient.ConnectAsync(gateway.EndPoint, "localhost", certificates.Ca, certificates.Alice);
        Assert.Null(await again.ReadAsync());
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal("TlsClientCertificate", refusal["IdentityKind"]);

        await using var bob = await TlsClient.ConnectAsync(gateway.EndPoint, "localhost", certificates.Ca, certificates.Bob);
        Assert.Equal("hello 2\n", await bob.ReadAsync());
        Assert.Equal(1, gateway.SessionsOf("alice"));
        Assert.Equal(1, gateway.SessionsOf("bob"));
        Assert.Equal(2, backend.Accepted);

        await alice.DisposeAsync();
        await bob.DisposeAsync();
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0 && gateway.Gateway.Registry.Count == 0,
            EndToEnd.Soon, "the ledger and the registry are empty");
        await backend.WaitUntilAsync(b => b.Open == 0, EndToEnd.Soon);
    }

    [Fact]
    public async Task A_self_signed_certificate_claiming_to_be_alice_is_rejected_with_event_9650()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(
            TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsClientCertificate, 4, clientCa: true));

        Assert.False(await GetsInAsync(gateway, certificates.Mallory));

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("not accepted by Tls:ClientCa", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.SessionsOf("alice"));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionClosed));
    }

    [Fact]
    public async Task A_certificate_the_CA_issued_for_a_server_is_not_accepted_as_a_client_certificate()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(
            TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsClientCertificate, 4, clientCa: true));
        using var pem = X509Certificate2.CreateFromPemFile(certificates.ServerPem, certificates.ServerKey);
        using var server = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);

        Assert.False(await GetsInAsync(gateway, server));

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("NotValidForUsage", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_rejected_with_event_9650()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(
            TlsListener.Create(certificates, backend.EndPoint, IdentityKind.TlsClientCertificate, 4, clientCa: true));

        Assert.False(await GetsInAsync(gateway, certificate: null));

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("no client certificate", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, backend.Accepted);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task The_identity_can_be_the_e_mail_address_of_the_certificate_and_openssl_presents_it()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TlsListener.Create(certificates, backend.EndPoint,
            IdentityKind.TlsClientCertificate, 1, clientCa: true, part: ClientCertificateIdentity.SanEmail));

        await using var client = RunningProcess.Start(Tools.Find("openssl"),
        [
            "s_client", "-connect", $"127.0.0.1:{gateway.EndPoint.Port}", "-servername", "localhost",
            "-CAfile", certificates.CaPem, "-verify_return_error",
            "-cert", certificates.File("bob.pem"), "-key", certificates.File("bob.key"), "-ign_eof", "-brief",
        ]);
        await client.WaitForLineAsync(l => l == "hello 1", EndToEnd.Soon);

        Assert.Equal(1, gateway.SessionsOf("bob@example.com"));
        await client.DisposeAsync();
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0, EndToEnd.Soon, "the ledger is empty");
    }

    /// <summary>Whether a client presenting <paramref name="certificate"/> reaches the backend. TLS 1.3 clients
    /// finish their side of the handshake before the gateway has checked their certificate, so a refusal shows
    /// either in the handshake or on the first read.</summary>
    private async Task<bool> GetsInAsync(TestGateway gateway, X509Certificate2? certificate)
    {
        try
        {
            await using var client = await TlsClient.ConnectAsync(gateway.EndPoint, "localhost", certificates.Ca, certificate);
            return await client.ReadAsync() is not null;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }
}
