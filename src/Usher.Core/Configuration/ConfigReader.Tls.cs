using Microsoft.Extensions.Configuration;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>The <c>Tls</c> section, and what a listener that terminates TLS can be asked to do.</summary>
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
