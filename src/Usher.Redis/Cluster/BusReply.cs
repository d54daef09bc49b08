using Usher.Control;

namespace Usher.Redis.Cluster;

/// <summary>A node's answer on the asking process's reply channel.</summary>
/// <param name="Id">The request's id.</param>
/// <param name="Node">The answering node.</param>
/// <param name="Outcome">How it answered.</param>
/// <param name="Error">Why not, when not done.</param>
/// <param name="Sessions">A listing's sessions.</param>
/// <param name="Identities">A listing's identities (the sessions the node itself holds).</param>
/// <param name="Session">One session (inspect).</param>
/// <param name="Kill">What a kill did.</param>
/// <param name="Probe">The probe started.</param>
internal sealed record BusReply(
    string Id,
    string Node,
    NodeOutcome Outcome,
    string? Error = null,
    IReadOnlyList<SessionSnapshot>? Sessions = null,
    IReadOnlyList<IdentitySessions>? Identities = null,
    SessionSnapshot? Session = null,
    NodeKill? Kill = null,
    SessionProbe? Probe = null);
