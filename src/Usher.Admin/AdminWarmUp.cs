using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.Admin;

/// <summary>Asks the admin endpoint once for each kind of answer as it starts. The runtime loads the assemblies an
/// answer needs the first time it is given, and keeps each open (a descriptor apiece, about 30 for the API): loaded
/// now, they are among the descriptors the gateway's budget measures before the first session, instead of being
/// opened under a flood that spent the budget, where loading one would fail.</summary>
internal static class AdminWarmUp
{
    private static readonly string[] Paths = ["/healthz", "/api/status", "/api/sessions", "/api/identities", "/metrics", "/", "/nowhere"];

    public static async Task RunAsync(Uri url, string? token, CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(url.Host.Trim('[', ']')), url.Port);
        if (endpoint.Address.Equals(IPAddress.Any))
        {
            endpoint.Address = IPAddress.Loopback;
        }
        else if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            endpoint.Address = IPAddress.IPv6Loopback;
        }

        var authorization = token is null ? string.Empty : $"Authorization: Bearer {token}\r\n";
        foreach (var path in Paths)
        {
            try
            {
                using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
                var request = $"GET {path} HTTP/1.1\r\nHost: {url.Authority}\r\n{authorization}Connection: close\r\n\r\n";
                await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                var buffer = new byte[4096];
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                // Only a warm-up: the endpoint answers all the same, loading what it needs then.
            }
        }
    }
}
