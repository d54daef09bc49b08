namespace Usher.Control;

/// <summary>Reclaim on pressure across nodes: a newcomer at its identity's limit whose own node holds fewer of the
/// identity's sessions than the limit asks the other nodes to probe the identity's idle sessions. A client found dead
/// there ends its session (ClientDead), and the release of its lease in the shared ledger hands the place to the
/// newcomer waiting in the identity's line. Registered beside <see cref="IClusterControl"/>; absent with the in-memory
/// ledger.</summary>
public interface IClusterReclaim
{
    /// <summary>Asks every other node alive to probe its idle sessions (idle at least the listener's ProbeMinIdle
    /// there) of <paramref name="identity"/> on <paramref name="listener"/>. Returns at once (the request goes out in
    /// the background and nothing waits for an answer); never throws. Safe from any thread, the reactors' included.</summary>
    /// <param name="listener">The listener's name (the same on every node).</param>
    /// <param name="identity">The identity as the listener shows it (never a hidden value on the wire).</param>
    /// <param name="newcomer">The newcomer's address, for the probing node's log.</param>
    void ProbeElsewhere(string listener, string identity, string newcomer);
}
