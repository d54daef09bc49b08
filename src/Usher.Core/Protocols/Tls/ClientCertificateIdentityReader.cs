using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Usher.Configuration;

namespace Usher.Protocols.Tls;

/// <summary>The identity of a client certificate that was already validated against the listener's CA: its
/// subject's CN, or the first DNS name or e-mail address of its subject alternative names. Identities follow the
/// rules of every other kind (valid UTF-8, no control characters, at most 256 bytes); DNS names and e-mail
/// addresses are lower-cased (ASCII), so <c>Alice@Example.com</c> cannot dodge the limit of
/// <c>alice@example.com</c>.</summary>
public static class ClientCertificateIdentityReader
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>Identified, or invalid with the reason (which never quotes the certificate).</summary>
    public static HandshakeResult Read(X509Certificate2? certificate, ClientCertificateIdentity part)
    {
        if (certificate is null)
        {
            return HandshakeResult.Invalid("no client certificate");
        }

        return part switch
        {
            ClientCertificateIdentity.SanDns => FromSubjectAltName(certificate, dns: true),
            ClientCertificateIdentity.SanEmail => FromSubjectAltName(certificate, dns: false),
            _ => FromCommonName(certificate),
        };
    }

    private static HandshakeResult FromCommonName(X509Certificate2 certificate)
    {
        string? cn = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements || rdn.GetSingleElementType().Value != CommonNameOid)
            {
                continue;
            }

            if (cn is not null)
            {
                return HandshakeResult.Invalid("the certificate's subject has more than one CN");
            }

            cn = rdn.GetSingleElementValue() ?? string.Empty;
        }

        return cn is null ? HandshakeResult.Invalid("the certificate's subject has no CN") : Checked("the subject CN", cn, lower: false);
    }

    private static HandshakeResult FromSubjectAltName(X509Certificate2 certificate, bool dns)
    {
        var field = dns ? "the DNS name" : "the e-mail address";
        var extension = SubjectAltNames.Find(certificate);
        if (extension is null)
        {
            return HandshakeResult.Invalid("the certificate has no subject alternative name");
        }

        string? name;
        try
        {
            name = dns ? SubjectAltNames.FirstDnsName(extension) : SubjectAltNames.FirstEmail(extension);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return HandshakeResult.Invalid("the certificate's subject alternative name is malformed");
        }

        return name is null
            ? HandshakeResult.Invalid($"the certificate's subject alternative name has no {(dns ? "DNS name" : "e-mail address")}")
            : Checked(field, name, lower: true);
    }

    private static HandshakeResult Checked(string field, string value, bool lower)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        var error = IdentityText.Check(utf8);
        return error == IdentityTextError.None
            ? new HandshakeResult(HandshakeStatus.Identified, IdentityText.Decode(utf8, lower))
            : HandshakeResult.Invalid(IdentityText.Problem(field, error));
    }
}
