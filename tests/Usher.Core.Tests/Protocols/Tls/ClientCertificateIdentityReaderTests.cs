using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Usher.Configuration;
using Usher.Protocols;
using Usher.Protocols.Tls;

namespace Usher.Core.Tests.Protocols.Tls;

public sealed class ClientCertificateIdentityReaderTests
{
    [Fact]
    public void The_subject_CN_is_the_identity_as_written()
    {
        using var certificate = Certificate("CN=Alice, O=Example, C=DE");

        Assert.Equal(Identified("Alice"), ClientCertificateIdentityReader.Read(certificate, ClientCertificateIdentity.SubjectCn));
    }

    [Fact]
    public void A_subject_without_a_CN_or_with_two_is_invalid()
    {
        using var none = Certificate("O=Example");
        using var two = Certificate("CN=alice, CN=bob");

        Assert.Equal(HandshakeStatus.Invalid, ClientCertificateIdentityReader.Read(none, ClientCertificateIdentity.SubjectCn).Status);
        Assert.Equal("the certificate's subject has more than one CN",
            ClientCertificateIdentityReader.Read(two, ClientCertificateIdentity.SubjectCn).Problem);
    }

    [Fact]
    public void The_first_DNS_name_and_the_first_e_mail_address_are_lower_cased()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("Alice.Clients.Example");
        names.AddDnsName("second.example");
        names.AddEmailAddress("Alice@Example.com");
        names.AddEmailAddress("other@example.com");
        using var certificate = Certificate("CN=alice", names);

        Assert.Equal(Identified("alice.clients.example"), ClientCertificateIdentityReader.Read(certificate, ClientCertificateIdentity.SanDns));
        Assert.Equal(Identified("alice@example.com"), ClientCertificateIdentityReader.Read(certificate, ClientCertificateIdentity.SanEmail));
    }

    [Fact]
    public void A_missing_subject_alternative_name_or_entry_is_invalid()
    {
        var dnsOnly = new SubjectAlternativeNameBuilder();
        dnsOnly.AddDnsName("alice.example");
        using var withDns = Certificate("CN=alice", dnsOnly);
        using var without = Certificate("CN=alice");

        Assert.Equal("the certificate's subject alternative name has no e-mail address",
            ClientCertificateIdentityReader.Read(withDns, ClientCertificateIdentity.SanEmail).Problem);
        Assert.Equal("the certificate has no subject alternative name",
            ClientCertificateIdentityReader.Read(without, ClientCertificateIdentity.SanDns).Problem);
        Assert.Equal("no client certificate", ClientCertificateIdentityReader.Read(null, ClientCertificateIdentity.SubjectCn).Problem);
    }

    [Fact]
    public void A_CN_longer_than_256_bytes_is_invalid()
    {
        using var certificate = Certificate("CN=" + new string('a', 300));

        Assert.Equal("the subject CN is longer than 256 bytes",
            ClientCertificateIdentityReader.Read(certificate, ClientCertificateIdentity.SubjectCn).Problem);
    }

    private static HandshakeResult Identified(string identity) => new(HandshakeStatus.Identified, identity);

    private static X509Certificate2 Certificate(string subject, SubjectAlternativeNameBuilder? names = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (names is not null)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
