namespace Usher.Identity;

/// <summary>Where a session's identity comes from.</summary>
public enum IdentityKind
{
    /// <summary>The client's source IP address.</summary>
    SourceIp = 0,
    /// <summary>The original client address from a PROXY protocol header sent by a trusted proxy.</summary>
    ProxyProtocol,
    /// <summary>The server name the client asked for in its TLS ClientHello.</summary>
    TlsSni,
    /// <summary>The subject of the client's TLS certificate.</summary>
    TlsClientCertificate,
    /// <summary>The <c>user</c> of a PostgreSQL StartupMessage.</summary>
    PostgresUser,
    /// <summary>The client identifier of an MQTT CONNECT.</summary>
    MqttClientId,
    /// <summary>The user name of an MQTT CONNECT.</summary>
    MqttUsername,
    /// <summary>The login of an IMAP LOGIN or AUTHENTICATE PLAIN.</summary>
    ImapLogin,
    /// <summary>A named header (or the Basic-auth user) of the first HTTP/1.1 request.</summary>
    HttpHeader,
}
