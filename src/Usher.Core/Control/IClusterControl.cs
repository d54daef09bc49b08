namespace Usher.Control;

/// <summary>The gateway nodes that share one ledger (a Redis ledger), as the admin side of one of them sees and drives
/// them: the nodes alive, every node's sessions and identities, and a kill or probe of a session wherever it runs.
/// Registered only when the ledger is shared; with the in-memory ledger there is none and the admin side shows this
/// node alone, as it always did.</summary>
/// <remarks>Every call is bounded by <see cref="Wait"/>: a node that does not answer within it is reported
/// <see cref="NodeOutcome.NotAnswering"/> in its own answer; no call waits on a node longer, and none throws for
/// one. This node answers for itself without the bus, so its own sessions show even when the store is away. Every
/// member is safe from any thread.</remarks>
public interface IClusterControl
{
    /// <summary>This node's name (<c>Ledger:Node</c>).</summary>
    string Node { get; }

    /// <summary>How long a call waits for the other nodes' answers.</summary>
    TimeSpan Wait { get; }

    /// <summary>The nodes alive now (announced within their lease), this one first.</summary>
    Task<IReadOnlyList<ClusterMember>> NodesAsync(CancellationToken cancellationToken = default);

    /// <summary>The open sessions of every node alive (or of <paramref name="node"/> alone), one answer per node.</summary>
    /// <param name="node">Only this node, when given.</param>
    /// <param name="query">Which sessions, as <see cref="ISessionControl.ListFreshAsync"/> takes them.</param>
    /// <param name="fresh">Whether each node reads its sessions' TCP_INFO now (<see cref="ISessionControl.ListFreshAsync"/>)
    /// or lists them as they are (<see cref="ISessionControl.List"/>, which ignores the query's suspect filter).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task<IReadOnlyList<NodeAnswer<IReadOnlyList<SessionSnapshot>>>> ListAsync(string? node, SessionQuery query, bool fresh,
        CancellationToken cancellationToken = default);

    /// <summary>Per node alive (or <paramref name="node"/> alone), listener and identity: the sessions the node itself
    /// holds, and the limit that applies there.</summary>
    Task<IReadOnlyList<NodeAnswer<IReadOnlyList<IdentitySessions>>>> IdentitiesAsync(string? node, string? listener,
        CancellationToken cancellationToken = default);

    /// <summary>Session <paramref name="id"/> of <paramref name="node"/>, with a fresh TCP_INFO
    /// (<see cref="ISessionControl.InspectAsync"/>).</summary>
    Task<NodeAnswer<SessionSnapshot>> InspectAsync(string node, long id, CancellationToken cancellationToken = default);

    /// <summary>Kills session <paramref name="id"/> where it runs (<see cref="ISessionControl.Kill(long, string)"/> on
    /// <paramref name="node"/>): event 9653 there names <paramref name="by"/> and this node.</summary>
    Task<NodeAnswer<NodeKill>> KillAsync(string node, long id, string by, CancellationToken cancellationToken = default);

    /// <summary>Kills every session of one identity on one listener on every node alive
    /// (<see cref="ISessionControl.Kill(string, string, string)"/> on each), one answer per node.</summary>
    Task<IReadOnlyList<NodeAnswer<NodeKill>>> KillAsync(string listener, string identity, string by,
        CancellationToken cancellationToken = default);

    /// <summary>Probes the client of session <paramref name="id"/> where it runs (<see cref="ISessionControl.Probe"/>
    /// on <paramref name="node"/>).</summary>
    Task<NodeAnswer<SessionProbe>> ProbeAsync(string node, long id, string by, CancellationToken cancellationToken = default);
}
