namespace Usher.Control;

/// <summary>The open sessions of a gateway, as its admin side sees and ends them: snapshots (values, never the
/// sessions themselves), a fresh TCP_INFO, kills. Nothing here hands out a session or its lease, so no caller can
/// release a live session's slot; a kill only asks the session's reactor to close it, as any close does. Every
/// member is safe from any thread.</summary>
public interface ISessionControl
{
    /// <summary>Sessions open now, of every kind.</summary>
    int Count { get; }

    /// <summary>The open sessions, oldest (lowest id) first.</summary>
    /// <param name="listener">Only those of this listener, when given.</param>
    /// <param name="identity">Only those of this identity as shown (a hash or prefix where the listener hides
    /// identities; see <c>IdentityMask.Names</c>), when given.</param>
    /// <param name="limit">At most this many, the oldest: only those are snapshotted.</param>
    IReadOnlyList<SessionSnapshot> List(string? listener = null, string? identity = null, int limit = int.MaxValue);

    /// <summary>The open session <paramref name="id"/>; <c>null</c> when none is open with that id.</summary>
    SessionSnapshot? Find(long id);

    /// <summary>The open session <paramref name="id"/> with a fresh TCP_INFO of its connections, read on its reactor
    /// (the only thread that touches its sockets). When the reactor does not answer within <paramref name="wait"/>,
    /// the snapshot carries the last reading the session has.</summary>
    /// <returns><c>null</c> when no session is open with that id.</returns>
    Task<SessionSnapshot?> InspectAsync(long id, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>The open sessions as <see cref="List"/> gives them, each with a fresh reading of its liveness
    /// (<see cref="SessionSnapshot.Liveness"/>): TCP_INFO of the listed sessions, read on their reactors in one posted
    /// batch per reactor, skipped for a session read less than a second ago (so any number of callers cost at most
    /// one read per session per second). A reactor that does not answer within <paramref name="wait"/> leaves its
    /// sessions with their last reading.</summary>
    Task<IReadOnlyList<SessionSnapshot>> ListFreshAsync(SessionQuery query, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>An operator's probe of one session's client, as ReclaimDead probes an idle session: its keepalive is
    /// shortened now to ProbeInterval × ProbeCount (with TCP_USER_TIMEOUT to match). Event 9663 names
    /// <paramref name="by"/>; a client found dead ends the session as <c>ClientDead</c> (9648, then 9642); one that
    /// answers gets its own keepalive back.</summary>
    /// <param name="id">The session's id.</param>
    /// <param name="by">Who probes, for the log.</param>
    /// <returns>The probe; <c>null</c> when no session with that id is open.</returns>
    /// <exception cref="InvalidOperationException">The session is not relaying (still connecting, or ending).</exception>
    SessionProbe? Probe(long id, string by);

    /// <summary>An operator's kill of one session: its close reason becomes <c>Killed</c>, event 9653 names
    /// <paramref name="by"/>, both sides are closed and 9642 follows.</summary>
    /// <param name="id">The session's id.</param>
    /// <param name="by">Who kills, for the log (e.g. <c>the admin API (127.0.0.1:40112)</c>).</param>
    /// <returns>The kill; <c>null</c> when no session with that id is open.</returns>
    /// <exception cref="InvalidOperationException">The session is already ending for another reason.</exception>
    SessionKill? Kill(long id, string by);

    /// <summary>Kills every open session of one identity on one listener, as <see cref="Kill(long, string)"/> does
    /// one; sessions already ending for another reason are left to end.</summary>
    /// <param name="listener">The listener's name.</param>
    /// <param name="identity">The identity as shown: where the listener hides identities, its hash or prefix. A clear
    /// value matches only where it is shown, so a kill cannot confirm a guessed secret.</param>
    /// <param name="by">Who kills, for the log.</param>
    /// <exception cref="InvalidOperationException">The form shown names more than one identity (two values with one
    /// prefix); nothing was killed.</exception>
    SessionKill Kill(string listener, string identity, string by);

    /// <summary>Per listener (or only <paramref name="listener"/>) and identity holding sessions now: how many the
    /// ledger counts, and the limit that applies.</summary>
    IReadOnlyList<IdentitySessions> Identities(string? listener = null);
}
