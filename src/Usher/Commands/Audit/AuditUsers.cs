using System.Net;
using Usher.Admin.Api;
using Usher.Configuration;
using Usher.Gateway.Audit;

namespace Usher.Cli.Commands;

/// <summary>Who Usher counts each client connection on the audited port for: when the port is one of the
/// configuration's listeners, its admin API lists the sessions with their client address and identity. Whatever
/// stands in the way is said (no such listener, no admin section, the API not reachable) and the audit goes on by
/// remote address alone.</summary>
internal static class AuditUsers
{
    public static async Task<IReadOnlyDictionary<IPEndPoint, string>?> ReadAsync(string? configPath, int port, List<string> unseen, CancellationToken cancellationToken)
    {
        if (configPath is null)
        {
            unseen.Add("users: not known without --config (only Usher's admin API tells who a connection belongs to); grouped by remote address alone");
            return null;
        }

        GatewaySettings settings;
        try
        {
            settings = ConfigLoader.Load(configPath);
        }
        catch (ConfigException e)
        {
            unseen.Add($"users: {configPath} cannot be used ({string.Join("; ", e.Errors.Select(x => $"{x.Key}: {x.Problem}"))})");
            return null;
        }

        var listeners = settings.Listeners.Where(l => l.Listen.Port == port).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        if (listeners.Count == 0)
        {
            unseen.Add($"users: port {port} is none of {configPath}'s listeners, so Usher does not know its users");
            return null;
        }

        if (settings.Admin is not { } admin)
        {
            unseen.Add($"users: {configPath} has no Admin section, so there is no admin API to ask");
            return null;
        }

        try
        {
            using var client = new AdminClient(new AdminTarget(AdminTarget.UrlOf(admin.Listen), admin.Token));
            var (_, sessions) = await client.SendAsync(HttpMethod.Get, "/api/sessions", AdminJson.Default.IReadOnlyListSessionView, cancellationToken);
            var users = new Dictionary<IPEndPoint, string>();
            foreach (var s in sessions.Where(s => listeners.Contains(s.Listener)))
            {
                // Behind a PROXY-protocol proxy the TCP peer is the proxy's connection, not the client it names.
                if (IPEndPoint.TryParse(s.Proxy ?? s.Client, out var peer))
                {
                    users[new IPEndPoint(SockDiagMessages.Normal(peer.Address), peer.Port)] = s.Identity.Value;
                }
            }

            return users;
        }
        catch (AdminCommandException e)
        {
            unseen.Add("users: " + e.Message);
            return null;
        }
    }
}
