namespace Usher.Protocols.Proxy;

/// <summary>What a PROXY protocol header said.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>The header is incomplete: read more.</summary>
    NeedMore = 0,
    /// <summary>A relayed TCP connection: <see cref="ProxyHeader.Source"/> is the original client.</summary>
    Proxied,
    /// <summary>A v2 LOCAL command: the proxy's own connection (a health check); use the connection's own
    /// endpoints and do not count it as a client's session.</summary>
    Local,
    /// <summary>A relayed connection whose addresses the proxy could not or did not give (v1 <c>UNKNOWN</c>, v2
    /// <c>AF_UNSPEC</c>, <c>AF_UNIX</c> or UDP): the spec says to use the connection's own endpoints.</summary>
    Unspecified,
    /// <summary>Not a PROXY protocol header, or a malformed one: close the connection.</summary>
    Invalid,
}
