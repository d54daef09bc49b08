using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Usher.Gateway.Tls;

/// <summary>Checks a client certificate against the listener's <c>Tls:ClientCa</c> alone: the chain must end at one
/// of its certificates (custom root trust: the system's store is not consulted), be valid now, and allow client
/// authentication (when the certificate names its uses). Revocation is not checked and nothing is downloaded.</summary>
internal sealed class ClientCertificateValidator(X509Certificate2Collection authorities)
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>The CA certificates client certificates must chain to.</summary>
    public X509Certificate2Collection Authorities { get; } = authorities;

    /// <summary><c>null</c> when the certificate is valid, else why it is not.</summary>
    /// <param name="certificate">What the client presented.</param>
    /// <param name="presented">The chain SslStream built, whose extra store holds the intermediates the client sent.</param>
    /// <param name="errors">SslStream's own verdict; only a missing certificate counts, the chain is built here.</param>
    public string? Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "no client certificate (Tls:ClientCa requires one)";
        }

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(Authorities);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            policy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return chain.Build(leaf ?? loaded!)
            ? null
            : "client certificate not accepted by Tls:ClientCa: " + string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
    }
}
