namespace Usher.Configuration;

/// <summary>Which part of a client certificate is the session's identity (<c>Tls:ClientCertificateIdentity</c>).</summary>
public enum ClientCertificateIdentity
{
    /// <summary>The common name (CN) of the certificate's subject.</summary>
    SubjectCn = 0,
    /// <summary>The first DNS name of the subject alternative name extension, lower-cased.</summary>
    SanDns,
    /// <summary>The first e-mail address (rfc822Name) of the subject alternative name extension, lower-cased.</summary>
    SanEmail,
}
