using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Usher.Configuration;

namespace Usher.Gateway.Tls;

/// <summary>A listener's TLS termination, loaded when the gateway starts and again by a reload when the listener's
/// Tls keys or the files' contents changed: its certificate (with the chain the PEM file holds after it) and, with
/// <c>ClientCa</c>, the validator of client certificates. Sessions take their authentication options from here.</summary>
internal sealed class TlsTerminator
{
    private readonly SslStreamCertificateContext _certificate;

    private TlsTerminator(TlsSettings settings, SslStreamCertificateContext certificate, ClientCertificateValidator? clients,
        string? digest)
    {
        Settings = settings;
        Digest = digest;
        _certificate = certificate;
        Clients = clients;
    }

    /// <summary>The listener's Tls settings.</summary>
    public TlsSettings Settings { get; }

    /// <summary>A digest of the files as loaded, to tell on reload whether they changed on disk.</summary>
    public string? Digest { get; }

    /// <summary>The validator of client certificates; <c>null</c> when clients present none.</summary>
    public ClientCertificateValidator? Clients { get; }

    /// <summary>The server certificate sent to clients.</summary>
    public X509Certificate2 Certificate => _certificate.TargetCertificate;

    /// <summary>Loads the PEM files of <paramref name="settings"/>; throws naming the listener and the file.</summary>
    public static TlsTerminator Load(string listener, TlsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var digest = DigestOf(settings);
        var file = settings.Certificate;
        try
        {
            // A key imported from PEM is ephemeral; a PKCS#12 round trip gives SslStream a key it can use on every
            // platform, done once here rather than per handshake.
            X509Certificate2 leaf;
            using (var pem = X509Certificate2.CreateFromPemFile(settings.Certificate, settings.Key))
            {
                leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            }

            var chain = Pem(settings.Certificate);
            chain.RemoveAt(0);
            ClientCertificateValidator? clients = null;
            SslCertificateTrust? trust = null;
            if (settings.ClientCa is { } ca)
            {
                file = ca;
                var authorities = Pem(ca);
                clients = new ClientCertificateValidator(authorities);

                // The CA's names go in the CertificateRequest, so a client holding several certificates picks the
                // one this listener accepts.
                trust = SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true);
            }

            var context = SslStreamCertificateContext.Create(leaf, chain, offline: true, trust);
            return new TlsTerminator(settings, context, clients, digest);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // ArgumentException: the key does not belong to the certificate.
            throw new InvalidOperationException(
                $"listener \"{listener}\" cannot load its TLS files ({file}, {settings.Key}): {e.Message}", e);
        }
    }

    /// <summary>Whether this terminator serves <paramref name="settings"/> as they are now: the same keys, and files
    /// whose contents did not change since they were loaded.</summary>
    public bool Serves(TlsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Settings.Certificate == settings.Certificate && Settings.Key == settings.Key
            && Settings.ClientCa == settings.ClientCa && Settings.ClientCertificateIdentity == settings.ClientCertificateIdentity
            && Digest is not null && Digest == DigestOf(settings);
    }

    /// <summary>SHA-256 of the files' contents, or <c>null</c> when one cannot be read (then loading says why).</summary>
    private static string? DigestOf(TlsSettings settings)
    {
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var file in new[] { settings.Certificate, settings.Key, settings.ClientCa })
            {
                hash.AppendData(file is null ? [] : File.ReadAllBytes(file));
                hash.AppendData([0]);
            }

            return Convert.ToHexString(hash.GetHashAndReset());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The options of one handshake; <paramref name="validate"/> sees the client certificate when
    /// <see cref="Clients"/> is set.</summary>
    public SslServerAuthenticationOptions Options(RemoteCertificateValidationCallback validate) => new()
    {
        ServerCertificateContext = _certificate,
        ClientCertificateRequired = Clients is not null,
        RemoteCertificateValidationCallback = Clients is null ? null : validate,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
    };

    private static X509Certificate2Collection Pem(string file)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(file);
        if (certificates.Count == 0)
        {
            throw new CryptographicException($"{file} holds no certificate");
        }

        return certificates;
    }
}
