namespace Usher.Gateway.Tls;

/// <summary>What a PostgreSQL client's first bytes on a TLS listener are.</summary>
internal enum PostgresOpeningKind
{
    /// <summary>Not enough bytes to tell.</summary>
    NeedMore,

    /// <summary>An SSLRequest: answer <c>S</c>, then TLS.</summary>
    SslRequest,

    /// <summary>A GSSENCRequest: answer <c>N</c> and read on.</summary>
    GssEncRequest,

    /// <summary>A TLS ClientHello without SSLRequest (direct TLS).</summary>
    DirectTls,

    /// <summary>Another message, read in clear by the startup reader.</summary>
    Other,
}
