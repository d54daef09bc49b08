using Usher.Identity;

namespace Usher.Control;

/// <summary>One open session at one moment, as the gateway lets its admin side see it: values only, taken when asked
/// (a later change of the session does not show here), and the identity only as its listener shows it (never the
/// value a hiding <c>IdentityDisplay</c> keeps secret).</summary>
/// <param name="Id">The session's id, unique in the process (what a kill by id names).</param>
/// <param name="Listener">The listener's name.</param>
/// <param name="IdentityKind">Where the identity came from (source IP, PostgreSQL role, …).</param>
/// <param name="Identity">The identity as the listener shows it: the value, or its hash or prefix.</param>
/// <param name="Client">The client's address (the original client's, when a trusted proxy told it).</param>
/// <param name="Proxy">The proxy's own address when a trusted proxy sent a PROXY header; <c>null</c> otherwise.</param>
/// <param name="Backend">The backend address; <c>null</c> until the session has one.</param>
/// <param name="BackendLocal">The gateway's own address on the backend connection; <c>null</c> until connected.</param>
/// <param name="StartedAt">When the session was accepted.</param>
/// <param name="LastActivity">When data last moved either way (never before <paramref name="StartedAt"/>).</param>
/// <param name="Idle">How long no data has moved.</param>
/// <param name="BytesFromClient">Bytes relayed from the client to the backend.</param>
/// <param name="BytesFromBackend">Bytes relayed from the backend to the client.</param>
/// <param name="State">Where the session is in its life.</param>
/// <param name="Tcp">The latest TCP_INFO of its connections, when one was read (on demand, or by a reclaim's probe);
/// <c>null</c> otherwise.</param>
public sealed record SessionSnapshot(
    long Id,
    string Listener,
    IdentityKind IdentityKind,
    string Identity,
    string Client,
    string? Proxy,
    string? Backend,
    string? BackendLocal,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivity,
    TimeSpan Idle,
    long BytesFromClient,
    long BytesFromBackend,
    SessionState State,
    TcpReading? Tcp)
{
    /// <summary>Whether its client is still there, judged from the latest TCP_INFO of the client connection;
    /// <c>null</c> when none was read.</summary>
    public SessionLiveness? Liveness { get; init; }
}
