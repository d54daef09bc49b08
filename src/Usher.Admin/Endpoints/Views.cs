using System.Reflection;
using Usher.Admin.Api;
using Usher.Gateway;
using Usher.Gateway.Listeners;
using Usher.Identity;

namespace Usher.Admin.Endpoints;

/// <summary>The gateway as the API shows it: status, identities, sessions. The endpoints and the event stream
/// (<c>/api/events</c>) build their answers here, so both say the same.</summary>
internal static class Views
{
    /// <summary>Usher's version as built (informational version, with the commit when the build knew it).</summary>
    public static string Version { get; } =
        typeof(UsherGateway).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(UsherGateway).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static StatusResponse Status(AdminContext admin)
    {
        var gateway = admin.Gateway;
        var now = gateway.Time.GetUtcNow();
        var started = gateway.StartedAt ?? now;
        var listeners = gateway.Listeners
            .Select(l => new ListenerStatus(l.Name, l.LocalEndPoint.ToString(), l.Settings.Backend, l.Open,
                l.Settings.MaxSessionsPerIdentity, l.Settings.OnLimit.ToString(), admin.Refusals.Of(l.Name),
                l.Settings.IdentityDisplay.ToString()))
            .ToList();
        return new StatusResponse(Version, started, (long)(now - started).TotalSeconds, gateway.Registry.Count,
            new LedgerStatus(gateway.Ledger.Total, gateway.MaxSessions), listeners, listeners.Sum(l => l.Refused));
    }

    /// <summary>Per listener (or only <paramref name="only"/>) and identity: the sessions open and the limit, busiest
    /// first.</summary>
    public static List<IdentityCount> Identities(AdminContext admin, GatewayListener? only = null)
    {
        var counts = new List<IdentityCount>();
        foreach (var listener in only is null ? admin.Gateway.Listeners : [only])
        {
            var settings = listener.Settings;
            // Counted and matched against Overrides as read; shown as the listener shows it.
            var identities = admin.Gateway.Registry.All
                .Where(s => s.Record.Listener == listener.Name)
                .Select(s => s.Record.Identity)
                .DistinctBy(i => i.Value, StringComparer.Ordinal);
            foreach (var identity in identities)
            {
                var open = listener.OpenOf(identity.Value);
                if (open > 0)
                {
                    counts.Add(new IdentityCount(listener.Name, identity.Shown, settings.IdentityText, open, settings.LimitFor(identity.Value),
                        settings.Overrides.ContainsKey(identity.Value)));
                }
            }
        }

        return counts
            .OrderByDescending(c => c.Open)
            .ThenBy(c => c.Listener, StringComparer.Ordinal)
            .ThenBy(c => c.Identity, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The open sessions, oldest first, of a listener and identity (as shown) when given; the oldest
    /// <paramref name="limit"/> when given (only those are turned into views).</summary>
    public static List<SessionView> Sessions(AdminContext admin, string? listener = null, string? identity = null, int limit = int.MaxValue)
    {
        var now = admin.Gateway.Time.GetUtcNow();
        var ticks = Environment.TickCount64;
        return admin.Gateway.Registry.All
            .Where(s => (listener is null || s.Record.Listener == listener)
                && (identity is null || IdentityMask.Names(identity, s.Record.Identity.Shown)))
            .OrderBy(s => s.Record.Id)
            .Take(limit)
            .Select(s => SessionViews.Of(s, now, ticks))
            .ToList();
    }
}
