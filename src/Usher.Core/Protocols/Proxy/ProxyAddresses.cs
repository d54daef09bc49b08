using System.Net;

namespace Usher.Protocols.Proxy;

internal static class ProxyAddresses
{
    /// <summary>An IPv4-mapped IPv6 address as its IPv4 address, so that a client counts the same however the proxy
    /// wrote it (as source-IP identities do).</summary>
    internal static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
