using Microsoft.Extensions.Configuration;
using Usher.Identity;

namespace Usher.Configuration;

/// <summary>The <c>Tls</c> section, and what a listener that terminates TLS needs.</summary>
public sealed partial class ConfigReader
{
    private const string PemExample = "\"/etc/usher/server.pem\"";

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

    /// <summary>What TLS termination needs: a CA for client-certificate identities. Every other identity kind, every
    /// OnLimit policy and TrustedProxies (a PROXY header before the TLS handshake) work on TLS listeners too.</summary>
    private void CheckTlsCombination(Layered layered, IdentityKind identity, TlsSettings? tls)
    {
        if (identity != IdentityKind.TlsClientCertificate)
        {
            return;
        }

        if (tls is null)
        {
            Error(layered.Pick("Identity").GetSection("Identity").Path, "TlsClientCertificate needs the listener to terminate TLS",
                $$"""add "Tls": { "Certificate": {{PemExample}}, "Key": "/etc/usher/server.key", "ClientCa": "/etc/usher/clients-ca.pem" }""");
        }
        else if (tls.ClientCa is null)
        {
            Error(layered.Pick("Tls").GetSection("Tls").Path + ":ClientCa", "TlsClientCertificate needs the CA that issues the client certificates",
                "add \"ClientCa\": \"/etc/usher/clients-ca.pem\" to Tls");
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
