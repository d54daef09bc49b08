namespace Usher.Sessions;

/// <summary>The kernel's view of one of a session's connections at one moment (Linux TCP_INFO): enough to tell an
/// idle but live peer (fresh ACKs, no probes outstanding) from one that stopped answering.</summary>
/// <param name="State">The TCP state, e.g. "Established", "CloseWait", "Close".</param>
/// <param name="LastDataReceivedMs">Milliseconds since data last arrived.</param>
/// <param name="LastDataSentMs">Milliseconds since data was last sent.</param>
/// <param name="LastAckReceivedMs">Milliseconds since the peer last acknowledged anything (keepalive probes too).</param>
/// <param name="Unacked">Segments sent and not yet acknowledged.</param>
/// <param name="Probes">Keepalive (or zero-window) probes sent and unanswered.</param>
/// <param name="Retransmits">Retransmissions of the current unacknowledged segment.</param>
/// <param name="TotalRetransmits">Retransmissions over the connection's life.</param>
/// <param name="RttMicroseconds">Smoothed round-trip time.</param>
public readonly record struct TcpSnapshot(
    string State,
    uint LastDataReceivedMs,
    uint LastDataSentMs,
    uint LastAckReceivedMs,
    uint Unacked,
    byte Probes,
    byte Retransmits,
    uint TotalRetransmits,
    uint RttMicroseconds)
{
    /// <summary>Bytes sent and not yet acknowledged; <c>null</c> where the kernel does not say (before Linux 4.19).</summary>
    public long? UnackedBytes { get; init; }
}
