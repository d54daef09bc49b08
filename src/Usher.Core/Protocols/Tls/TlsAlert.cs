namespace Usher.Protocols.Tls;

/// <summary>TLS alert descriptions (RFC 8446 6) the gateway may send before a ServerHello.</summary>
public enum TlsAlert : byte
{
    /// <summary>handshake_failure (40).</summary>
    HandshakeFailure = 40,
    /// <summary>access_denied (49): the refusal of a client over its limit.</summary>
    AccessDenied = 49,
    /// <summary>internal_error (80).</summary>
    InternalError = 80,
    /// <summary>unrecognized_name (112): the refusal of a ClientHello without SNI.</summary>
    UnrecognizedName = 112,
}
