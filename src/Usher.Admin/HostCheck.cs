using System.Collections.Frozen;
using System.Net;
using Usher.Configuration;

namespace Usher.Admin;

/// <summary>Which <c>Host</c> and <c>Origin</c> headers the admin endpoint answers, token or not. A web page an
/// operator opens could rebind its own name to the endpoint's address (DNS rebinding) and reach it from the
/// browser: its requests carry that name in <c>Host</c>, so only the listen address, the loopback names and
/// <c>Admin:AllowedHosts</c> are answered. A request that changes state (DELETE, POST, PUT, PATCH) and carries
/// <c>Origin</c> must come from the endpoint's own origin, so no other page can send it (cross-site request
/// forgery); the dashboard's own requests do.</summary>
internal sealed class HostCheck
{
    private static readonly string[] LoopbackNames = ["localhost"];

    private readonly IPAddress _listen;
    private readonly FrozenSet<string> _names;

    public HostCheck(AdminSettings settings)
    {
        _listen = settings.Listen.Address;
        _names = LoopbackNames.Concat(settings.AllowedHosts).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Why a request naming <paramref name="host"/> (the <c>Host</c> header, port included) is refused, or
    /// <c>null</c> when it is answered. A request without <c>Host</c> (HTTP/1.0) comes from no browser: answered.</summary>
    public string? RefuseHost(string host)
    {
        if (host.Length == 0 || Allows(HostName(host)))
        {
            return null;
        }

        return $"Host \"{host}\" names neither this endpoint's address nor localhost nor a name in Admin:AllowedHosts";
    }

    /// <summary>Why a state-changing request from <paramref name="origin"/> to <paramref name="host"/> is refused,
    /// or <c>null</c> when it comes from the endpoint's own origin (or carries no <c>Origin</c>: not a browser's
    /// cross-site request).</summary>
    public static string? RefuseOrigin(string origin, string host)
    {
        if (origin.Length == 0)
        {
            return null;
        }

        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
            && uri.Authority.Equals(host, StringComparison.OrdinalIgnoreCase) && uri.AbsolutePath == "/")
        {
            return null;
        }

        return $"Origin \"{origin}\" is not this endpoint's own (http://{host}): another page cannot change its sessions";
    }

    private bool Allows(string name)
    {
        if (!IPAddress.TryParse(name, out var address))
        {
            return _names.Contains(name.TrimEnd('.'));
        }

        // An address cannot be rebound: the loopback ones, the listen address, and (listening on every address) any.
        return IPAddress.IsLoopback(address) || address.Equals(_listen)
            || _listen.Equals(IPAddress.Any) || _listen.Equals(IPAddress.IPv6Any) || _names.Contains(address.ToString());
    }

    /// <summary>The host of a <c>Host</c> header: without its port, an IPv6 address without brackets.</summary>
    private static string HostName(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[1..close] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon >= 0 ? host[..colon] : host;
    }
}
