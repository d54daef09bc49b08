namespace Usher.Configuration;

/// <summary>TLS towards the backend (<c>BackendTls</c>): the CA the backend's certificate must chain to, and the name
/// it must carry. A self-signed backend is trusted by giving its own certificate as the CA. The system's trust store
/// is not consulted: the backend is a host of the operator's own, and its CA is named explicitly.</summary>
public sealed class BackendTlsSettings
{
    /// <summary>The CA certificate(s), PEM, the backend's certificate must chain to.</summary>
    public required string Ca { get; init; }

    /// <summary>The name the backend's certificate must carry (sent as SNI too).</summary>
    /// <remarks>Defaults to the host of <c>Backend</c>.</remarks>
    public required string ServerName { get; init; }
}
