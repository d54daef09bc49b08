using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>The <c>Tls</c> section: its files are checked here (they exist, they parse, the key belongs to the
/// certificate), so a listener never fails its first handshake over a file.</summary>
public sealed partial class ConfigReader
{
    private const string PemExample = "\"/etc/usher/server.pem\"";

    /// <summary>Identity kinds a listener that terminates TLS can read.</summary>
    internal static readonly HashSet<IdentityKind> TlsKinds =
        [IdentityKind.SourceIp, IdentityKind.TlsSni, IdentityKind.TlsClientCertificate];

    private TlsSettings? ReadTls(Layered layered)
    {
        var section = layered.Pick("Tls").GetSection("Tls");
        if (!section.Exists())
        {
            return null;
        }

        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object",
                $$"""write e.g. "Tls": { "Certificate": {{PemExample}}, "Key": "/etc/usher/server.key" }""");
            return null;
        }

        CheckKnownKeys(section, ConfigKeys.Tls);
        var certificate = TlsFile(section, "Certificate", required: true);
        var key = TlsFile(section, "Key", required: true);
        var clientCa = TlsFile(section, "ClientCa", required: false);
        if (certificate is not null && CheckCertificates(section, "Certificate", certificate) && key is not null)
        {
            CheckKey(section, certificate, key);
        }

        if (clientCa is not null)
        {
            CheckCertificates(section, "ClientCa", clientCa);
        }

        return new TlsSettings
        {
            Certificate = certificate ?? string.Empty,
            Key = key ?? string.Empty,
            ClientCa = clientCa,
            ClientCertificateIdentity = ReadClientCertificateIdentity(section),
        };
    }

    /// <summary>What TLS termination allows: the kinds it can read, a CA for client-certificate identities, no
    /// PROXY header before the handshake, no reclaim policy.</summary>
    private void CheckTlsCombination(Layered layered, IdentityKind identity, TlsSettings? tls, int trustedProxies, OnLimitPolicy onLimit)
    {
        var identityPath = layered.Pick("Identity").GetSection("Identity").Path;
        if (tls is null)
        {
            if (identity == IdentityKind.TlsClientCertificate)
            {
                Error(identityPath, "TlsClientCertificate needs the listener to terminate TLS",
                    $$"""add "Tls": { "Certificate": {{PemExample}}, "Key": "/etc/usher/server.key", "ClientCa": "/etc/usher/clients-ca.pem" }""");
            }

            return;
        }

        var tlsPath = layered.Pick("Tls").GetSection("Tls").Path;
        if (!TlsKinds.Contains(identity))
        {
            Error(identityPath, $"{identity} cannot be read on a listener that terminates TLS (Tls) in this version",
                "use TlsSni, TlsClientCertificate, SourceIp or one of them +SourceIp, or remove Tls");
        }
        else if (identity == IdentityKind.TlsClientCertificate && tls.ClientCa is null)
        {
            Error(tlsPath + ":ClientCa", "TlsClientCertificate needs the CA that issues the client certificates",
                "add \"ClientCa\": \"/etc/usher/clients-ca.pem\" to Tls");
        }

        if (trustedProxies > 0)
        {
            Error(layered.Pick("TrustedProxies").GetSection("TrustedProxies").Path,
                "a listener that terminates TLS cannot read a PROXY header before the TLS handshake in this version",
                "remove TrustedProxies, or Tls");
        }

        if (onLimit != OnLimitPolicy.Reject)
        {
            Error(layered.Pick("OnLimit").GetSection("OnLimit").Path,
                $"{onLimit} is not available on a listener that terminates TLS in this version",
                "write \"OnLimit\": \"Reject\" on this listener");
        }
    }

    /// <summary>The full path of a file key, or <c>null</c> when it is missing or no file is there (reported).</summary>
    private string? TlsFile(IConfigurationSection tls, string key, bool required)
    {
        var text = tls[key];
        var path = tls.GetSection(key).Path;
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                Error(path, "the key is missing", $"write the path of a PEM file, e.g. {PemExample}");
            }

            return null;
        }

        var full = Path.IsPathRooted(text) ? text : Path.GetFullPath(text, ConfigFolder());
        if (!File.Exists(full))
        {
            Error(path, $"the file \"{full}\" does not exist",
                "write the path of an existing PEM file (a relative path starts at the configuration file's folder)");
            return null;
        }

        return full;
    }

    private string ConfigFolder()
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(_source));
        return string.IsNullOrEmpty(folder) ? Directory.GetCurrentDirectory() : folder;
    }

    /// <returns>Whether the file holds at least one certificate.</returns>
    private bool CheckCertificates(IConfigurationSection tls, string key, string file)
    {
        var path = tls.GetSection(key).Path;
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(file);
            var count = certificates.Count;
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            if (count > 0)
            {
                return true;
            }

            Error(path, $"\"{file}\" holds no certificate",
                "give a PEM file with a -----BEGIN CERTIFICATE----- block");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            Error(path, $"\"{file}\" cannot be read as PEM certificates: {e.Message.TrimEnd('.')}",
                "give a readable PEM file with -----BEGIN CERTIFICATE----- blocks");
        }

        return false;
    }

    private void CheckKey(IConfigurationSection tls, string certificate, string key)
    {
        var path = tls.GetSection("Key").Path;
        try
        {
            using var pair = X509Certificate2.CreateFromPemFile(certificate, key);
            if (pair.HasPrivateKey)
            {
                return;
            }

            Error(path, $"\"{key}\" holds no private key for the certificate \"{certificate}\"",
                "give the PEM private key of that certificate");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var encrypted = IsEncrypted(key);
            Error(path, encrypted
                    ? $"\"{key}\" is an encrypted private key"
                    : $"\"{key}\" holds no private key for the certificate \"{certificate}\": {e.Message.TrimEnd('.')}",
                encrypted
                    ? $"write it unencrypted, e.g. openssl pkey -in {key} -out {key}.plain, and keep that file readable by Usher alone"
                    : "give the unencrypted PEM private key (-----BEGIN PRIVATE KEY-----) that belongs to the certificate");
        }
    }

    private static bool IsEncrypted(string key)
    {
        try
        {
            return File.ReadAllText(key).Contains("ENCRYPTED", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private ClientCertificateIdentity ReadClientCertificateIdentity(IConfigurationSection tls)
    {
        var text = tls["ClientCertificateIdentity"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return ClientCertificateIdentity.SubjectCn;
        }

        if (Enum.TryParse<ClientCertificateIdentity>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _))
        {
            return value;
        }

        Error(tls.GetSection("ClientCertificateIdentity").Path, $"\"{text}\" is not a part of a certificate Usher reads",
            "use one of " + string.Join(", ", Enum.GetNames<ClientCertificateIdentity>()));
        return ClientCertificateIdentity.SubjectCn;
    }
}
