using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Usher.Core.Tests.Configuration;

/// <summary>PEM files in a folder of their own for the Tls configuration tests: a certificate and its key, a key of
/// another certificate, an encrypted key, and a file that is not PEM. Deleted on dispose.</summary>
public sealed class PemFiles : IDisposable
{
    public PemFiles()
    {
        Directory.CreateDirectory(Folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Certificate, certificate.ExportCertificatePem());
        File.WriteAllText(Key, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(OtherKey, other.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(EncryptedKey, key.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        File.WriteAllText(NotPem, "this is not a certificate\n");
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"usher-pem-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public string Certificate => Path.Combine(Folder, "server.pem");

    public string Key => Path.Combine(Folder, "server.key");

    public string OtherKey => Path.Combine(Folder, "other.key");

    public string EncryptedKey => Path.Combine(Folder, "encrypted.key");

    public string NotPem => Path.Combine(Folder, "not.pem");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
