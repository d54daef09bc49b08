using Usher.Admin.Api;

namespace Usher.Admin.Endpoints;

/// <summary>The gateway as the API shows it: status, identities, sessions. The endpoints and the event stream
/// (<c>/api/events</c>) build their answers here, so both say the same.</summary>
internal static class Views
{
    public static StatusResponse Status(AdminContext admin)
    {
        var gateway = admin.Gateway;
        var now = gateway.Time.GetUtcNow();
        var started = gateway.StartedAt ?? now;
        var listeners = gateway.Listeners
            .Select(l => new ListenerStatus(l.Name, l.Listen, l.Settings.Backend, l.Open,
                l.Settings.MaxSessionsPerIdentity, l.Settings.OnLimit.ToString(), admin.Refusals.Of(l.Name),
                l.Settings.IdentityDisplay.ToString()))
            .ToList();
        return new StatusResponse(gateway.Version, started, (long)(now - started).TotalSeconds, gateway.Sessions.Count,
            new LedgerStatus(gateway.Counted, gateway.MaxSessions), listeners, listeners.Sum(l => l.Refused));
    }

    /// <summary>Per listener (or only <paramref name="listener"/>) and identity: the sessions open and the limit,
    /// busiest first.</summary>
    public static List<IdentityCount> Identities(AdminContext admin, string? listener = null) =>
        admin.Gateway.Sessions.Identities(listener)
            .Select(i => new IdentityCount(i.Listener, i.Identity, i.Kind, i.Open, i.Limit, i.Override))
            .OrderByDescending(c => c.Open)
            .ThenBy(c => c.Listener, StringComparer.Ordinal)
            .ThenBy(c => c.Identity, StringComparer.Ordinal)
            .ToList();

    /// <summary>The open sessions, oldest first, of a listener and identity (as shown) when given; the oldest
    /// <paramref name="limit"/> when given (only those are turned into views).</summary>
    public static List<SessionView> Sessions(AdminContext admin, string? listener = null, string? identity = null, int limit = int.MaxValue) =>
        admin.Gateway.Sessions.List(listener, identity, limit).Select(SessionViews.Of).ToList();

    /// <summary>How long a listing waits for the sessions' reactors to read TCP_INFO.</summary>
    private static readonly TimeSpan FreshWait = TimeSpan.FromSeconds(2);

    /// <summary>The open sessions <paramref name="query"/> names, each with a fresh TCP_INFO of its client (read in
    /// one batch per reactor, skipped where read less than a second ago) and its liveness judged.</summary>
    public static async Task<List<SessionView>> FreshSessionsAsync(AdminContext admin, Usher.Control.SessionQuery query, CancellationToken cancellationToken) =>
        (await admin.Gateway.Sessions.ListFreshAsync(query, FreshWait, cancellationToken).ConfigureAwait(false)).Select(SessionViews.Of).ToList();
}
