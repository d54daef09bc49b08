using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The files of the <c>Tls</c> section are checked when the configuration is read (they exist, they parse,
/// the key belongs to the certificate), so a listener never fails its first handshake over a file. Errors name the
/// file and the key.</summary>
public sealed partial class ConfigReader
{
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
}
