using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A reload of a listener that terminates TLS: renewed certificate files (same paths) are loaded again and
/// served to new sessions, while open sessions go on with theirs; files that cannot be loaded change nothing.</summary>
[Collection(TlsCollection.Name)]
public sealed class TlsReloadTests(TlsCertificates certificates) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("usher-tls-reload-");

    private string Certificate => Path.Combine(_folder.FullName, "server.pem");

    private string Key => Path.Combine(_folder.FullName, "server.key");

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_sessions_after_a_reload_and_open_sessions_keep_theirs()
    {
        File.Copy(certificates.ServerPem, Certificate);
        File.Copy(certificates.ServerKey, Key);
        await using var backend = new SessionServer();
        var listener = TlsListener.Create(certificates, backend.EndPoint, IdentityKind.SourceIp, 4);
        listener = WithTls(listener, new TlsSettings { Certificate = Certificate, Key = Key });
        await using var gateway = TestGateway.Start(listener);
        await using var before = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 1\n", await before.ReadAsync());
        var first = Serial(before);

        Renew();
        var result = await gateway.Gateway.ReloadAsync(gateway.Gateway.Settings);

        Assert.True(result.Applied, string.Join("; ", result.Errors));
        Assert.Equal(["tls: Tls files changed on disk, loaded again"], result.Summary);
        await using var after = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal("hello 2\n", await after.ReadAsync());
        var renewed = Serial(after);
        Assert.NotEqual(first, renewed);
        await before.SendAsync("still here\n");
        Assert.Equal("still here\n", await before.ReadAsync());

        // A key that does not belong to the certificate: rejected, the renewed certificate is still served.
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(Key, other.ExportPkcs8PrivateKeyPem());
        }

        var rejected = await gateway.Gateway.ReloadAsync(gateway.Gateway.Settings);
        Assert.False(rejected.Applied);
        Assert.Equal("Usher:Listeners:0:Tls", Assert.Single(rejected.Errors).Key);
        await gateway.Logs.WaitForAsync(UsherEvents.ConfigRejected, EndToEnd.Soon);
        await using var third = await TlsClient.ConnectAsync(gateway.EndPoint, "a.example", certificates.Ca);
        Assert.Equal(renewed, Serial(third));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Serial(TlsClient client) => client.Ssl.RemoteCertificate!.GetSerialNumberString();

    /// <summary>A new server certificate from the test CA, written over the files in use.</summary>
    private void Renew()
    {
        using var ca = X509Certificate2.CreateFromPemFile(certificates.CaPem, certificates.File("ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("a.example");
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.Create(ca, ca.NotBefore.ToUniversalTime(), ca.NotAfter.ToUniversalTime(),
            RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(Certificate, certificate.ExportCertificatePem());
        File.WriteAllText(Key, key.ExportPkcs8PrivateKeyPem());
    }

    private static ListenerSettings WithTls(ListenerSettings s, TlsSettings tls) => new()
    {
        Name = s.Name,
        Listen = s.Listen,
        BackendHost = s.BackendHost,
        BackendPort = s.BackendPort,
        Identity = s.Identity,
        MaxSessionsPerIdentity = s.MaxSessionsPerIdentity,
        Keepalive = s.Keepalive,
        UserTimeout = s.UserTimeout,
        ConnectTimeout = s.ConnectTimeout,
        HandshakeTimeout = s.HandshakeTimeout,
        Tls = tls,
    };
}
