using Usher.Control;
using Usher.Identity;

namespace Usher.Gateway.Proxy;

/// <summary>The gateway's sessions behind <see cref="ISessionControl"/>: snapshots out, kills in; the sessions, their
/// records and leases stay inside the gateway.</summary>
internal sealed class SessionControl(UsherGateway gateway) : ISessionControl
{
    public int Count => gateway.Registry.Count;

    public IReadOnlyList<SessionSnapshot> List(string? listener = null, string? identity = null, int limit = int.MaxValue)
    {
        var now = gateway.Time.GetUtcNow();
        var ticks = Environment.TickCount64;
        return gateway.Registry.All
            .Where(s => (listener is null || s.Record.Listener == listener)
                && (identity is null || IdentityMask.Names(identity, s.Record.Identity.Shown)))
            .OrderBy(s => s.Record.Id)
            .Take(limit)
            .Select(s => SessionSnapshots.Of(s, now, ticks))
            .ToList();
    }

    public SessionSnapshot? Find(long id) =>
        gateway.Registry.Find(id) is { } session ? SessionSnapshots.Of(session, gateway.Time.GetUtcNow(), Environment.TickCount64) : null;

    public async Task<SessionSnapshot?> InspectAsync(long id, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var session = gateway.Registry.Find(id);
        if (session is null)
        {
            return null;
        }

        if (session is ProxySession relayed)
        {
            try
            {
                // Read on the session's reactor, the only thread that touches its sockets; stored on the record.
                await relayed.ReadTcpInfoAsync().WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The reactor is busy or stopping: the snapshot shows the last reading the record has.
            }
        }

        return SessionSnapshots.Of(session, gateway.Time.GetUtcNow(), Environment.TickCount64);
    }

    public SessionKill? Kill(long id, string by) => gateway.Kill(id, by) is { } session ? Killed([session]) : null;

    public SessionKill Kill(string listener, string identity, string by) => Killed(gateway.Kill(listener, identity, by));

    public IReadOnlyList<IdentitySessions> Identities(string? listener = null)
    {
        var counts = new List<IdentitySessions>();
        foreach (var gatewayListener in gateway.Listeners)
        {
            if (listener is not null && gatewayListener.Name != listener)
            {
                continue;
            }

            var settings = gatewayListener.Settings;
            // Counted and matched against Overrides as read; shown as the listener shows it.
            var identities = gateway.Registry.All
                .Where(s => s.Record.Listener == gatewayListener.Name)
                .Select(s => s.Record.Identity)
                .DistinctBy(i => i.Value, StringComparer.Ordinal);
            foreach (var identity in identities)
            {
                var open = gatewayListener.OpenOf(identity.Value);
                if (open > 0)
                {
                    counts.Add(new IdentitySessions(gatewayListener.Name, identity.Shown, settings.IdentityText, open,
                        settings.LimitFor(identity.Value), settings.Overrides.ContainsKey(identity.Value)));
                }
            }
        }

        return counts;
    }

    private static SessionKill Killed(IReadOnlyList<IGatewaySession> sessions) =>
        new(sessions.Select(s => s.Record.Id).ToList(), Task.WhenAll(sessions.Select(s => s.Completion)));
}
