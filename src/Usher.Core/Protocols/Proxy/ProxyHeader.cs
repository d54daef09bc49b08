using System.Net;

namespace Usher.Protocols.Proxy;

/// <summary>The answer of <see cref="ProxyProtocolReader"/>.</summary>
/// <param name="Status">What the header said.</param>
/// <param name="Consumed">The header's length: these bytes belong to the gateway and are not replayed to the
/// backend.</param>
/// <param name="Source">The original client for <see cref="ProxyHeaderStatus.Proxied"/> (an IPv4-mapped IPv6
/// address is given as its IPv4 address, as for source-IP identities).</param>
/// <param name="Destination">The address the client connected to, for <see cref="ProxyHeaderStatus.Proxied"/>.</param>
/// <param name="Problem">Why the header is invalid.</param>
/// <param name="Version">1 (text) or 2 (binary) once known, else 0.</param>
public readonly record struct ProxyHeader(
    ProxyHeaderStatus Status,
    int Consumed = 0,
    IPEndPoint? Source = null,
    IPEndPoint? Destination = null,
    string? Problem = null,
    int Version = 0)
{
    /// <summary>Read more.</summary>
    public static ProxyHeader NeedMore => default;

    /// <summary>Invalid, with the reason.</summary>
    public static ProxyHeader Invalid(string problem) => new(ProxyHeaderStatus.Invalid, Problem: problem);
}
