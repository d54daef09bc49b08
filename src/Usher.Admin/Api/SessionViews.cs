using Usher.Control;

namespace Usher.Admin.Api;

/// <summary>Session snapshots as the API shows them.</summary>
internal static class SessionViews
{
    /// <summary>A session of this gateway, or of <paramref name="node"/> in a cluster.</summary>
    public static SessionView Of(SessionSnapshot session, string? node) => Of(session) with { Node = node };

    public static SessionView Of(SessionSnapshot session) => new(
        session.Id,
        session.Listener,
        new IdentityView(session.IdentityKind.ToString(), session.Identity),
        session.Client,
        session.Proxy,
        session.Backend,
        session.BackendLocal,
        session.StartedAt,
        session.LastActivity,
        Seconds(session.Idle),
        session.BytesFromClient,
        session.BytesFromBackend,
        StateOf(session.State),
        session.Tcp is { } tcp ? new TcpView(tcp.ReadAt, tcp.Client, tcp.Backend) : null,
        session.Liveness is { } live ? LivenessOf(live) : null);

    private static LivenessView LivenessOf(SessionLiveness live) => new(
        live.ReadAt,
        Seconds(live.LastDataReceived),
        Seconds(live.Silence),
        live.UnackedBytes,
        live.UnackedSegments,
        live.Probes,
        live.Retransmits,
        live.Suspect,
        live.Reason);

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalMilliseconds / 1000.0, 1);

    private static string StateOf(SessionState state) => state switch
    {
        SessionState.Connecting => "connecting",
        SessionState.Probing => "probing",
        SessionState.Closing => "closing",
        _ => "relaying",
    };
}
