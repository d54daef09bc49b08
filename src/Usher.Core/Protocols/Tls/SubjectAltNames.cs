using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Usher.Protocols.Tls;

/// <summary>The subject alternative names of a certificate (RFC 5280 4.2.1.6) that an identity can be.</summary>
internal static class SubjectAltNames
{
    private const string Oid = "2.5.29.17";
    private static readonly Asn1Tag Rfc822Name = new(TagClass.ContextSpecific, 1);

    /// <summary>The extension, or <c>null</c> when the certificate has none.</summary>
    internal static X509Extension? Find(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == Oid)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>The first DNS name, or <c>null</c>.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The extension is malformed.</exception>
    internal static string? FirstDnsName(X509Extension extension)
    {
        var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
        foreach (var name in names.EnumerateDnsNames())
        {
            return name;
        }

        return null;
    }

    /// <summary>The first e-mail address (rfc822Name, [1] IA5String), or <c>null</c>.</summary>
    /// <exception cref="AsnContentException">The extension is malformed.</exception>
    internal static string? FirstEmail(X509Extension extension)
    {
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(Rfc822Name) && !tag.IsConstructed)
            {
                return names.ReadCharacterString(UniversalTagNumber.IA5String, tag);
            }

            names.ReadEncodedValue();
        }

        return null;
    }
}
