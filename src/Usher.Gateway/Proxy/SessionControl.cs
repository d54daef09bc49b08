using Usher.Control;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>The gateway's sessions behind <see cref="ISessionControl"/>: snapshots out, kills in; the sessions, their
/// records and leases stay inside the gateway.</summary>
internal sealed class SessionControl(UsherGateway gateway) : ISessionControl
{
    /// <summary>A reading younger than this is fresh enough for a listing: many callers cost one read a second.</summary>
    private static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    public int Count => gateway.Registry.Count;

    public IReadOnlyList<SessionSnapshot> List(string? listener = null, string? identity = null, int limit = int.MaxValue) =>
        Snapshots(Matching(new SessionQuery(listener, identity)).Take(limit), SessionLiveness.DefaultSuspectAfter);

    public SessionSnapshot? Find(long id) =>
        gateway.Registry.Find(id) is { } session ? Snapshots([session], SessionLiveness.DefaultSuspectAfter)[0] : null;

    public async Task<IReadOnlyList<SessionSnapshot>> ListFreshAsync(SessionQuery query, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matching = Matching(query);
        if (!query.SuspectOnly)
        {
            // Only the listed sessions are read.
            matching = matching.Take(query.Limit).ToList();
        }

        var stale = gateway.Time.GetUtcNow() - FreshFor;
        var read = ProxySession.ReadTcpInfoAsync(matching.OfType<ProxySession>().Where(s => !(s.Record.TcpReadAt >= stale)));
        try
        {
            await read.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A reactor is busy or stopping: its sessions show the last reading they have.
        }

        var snapshots = Snapshots(matching, query.SuspectAfter ?? SessionLiveness.DefaultSuspectAfter);
        return query.SuspectOnly ? snapshots.Where(s => s.Liveness is { Suspect: true }).Take(query.Limit).ToList() : snapshots;
    }

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

        return Snapshots([session], SessionLiveness.DefaultSuspectAfter)[0];
    }

    public SessionProbe? Probe(long id, string by) => gateway.Probe(id, by);

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

    private List<IGatewaySession> Matching(SessionQuery query) =>
        gateway.Registry.All
            .Where(s => (query.Listener is null || s.Record.Listener == query.Listener)
                && (query.Identity is null || IdentityMask.Names(query.Identity, s.Record.Identity.Shown)))
            .OrderBy(s => s.Record.Id)
            .ToList();

    private List<SessionSnapshot> Snapshots(IEnumerable<IGatewaySession> sessions, TimeSpan suspectAfter)
    {
        var now = gateway.Time.GetUtcNow();
        var ticks = Environment.TickCount64;
        var listeners = gateway.Listeners.ToDictionary(l => l.Name, l => l.Settings, StringComparer.Ordinal);
        return sessions
            .Select(s => SessionSnapshots.Of(s, now, ticks) with
            {
                Liveness = LivenessVerdicts.Of(s.Record, listeners.GetValueOrDefault(s.Record.Listener), suspectAfter),
            })
            .ToList();
    }

    private static SessionKill Killed(IReadOnlyList<IGatewaySession> sessions) =>
        new(sessions.Select(s => s.Record.Id).ToList(), Task.WhenAll(sessions.Select(s => s.Completion)));
}
