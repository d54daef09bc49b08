namespace Usher.Configuration;

/// <summary>TLS termination of a listener (<c>Tls</c>): the gateway's certificate and key, and, when
/// <see cref="ClientCa"/> is set, the CA every client certificate must chain to. The files are checked when the
/// configuration is read and loaded once per listener when the gateway starts.</summary>
public sealed class TlsSettings
{
    /// <summary>The server certificate, PEM; certificates after the first are sent as its chain.</summary>
    public required string Certificate { get; init; }

    /// <summary>The server certificate's private key, PEM (unencrypted).</summary>
    public required string Key { get; init; }

    /// <summary>The CA (PEM, one or more certificates) client certificates must be issued by; <c>null</c> to ask
    /// clients for no certificate.</summary>
    public string? ClientCa { get; init; }

    /// <summary>What part of a client certificate a <c>TlsClientCertificate</c> identity is.</summary>
    /// <remarks>Defaults to <see cref="ClientCertificateIdentity.SubjectCn"/>.</remarks>
    public ClientCertificateIdentity ClientCertificateIdentity { get; init; } = ClientCertificateIdentity.SubjectCn;

    /// <summary>Whether clients must present a certificate issued by <see cref="ClientCa"/>.</summary>
    public bool RequiresClientCertificate => ClientCa is not null;
}
