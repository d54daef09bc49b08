namespace Usher.Control;

/// <summary>Whether a session's client is still there, as the kernel tells it (TCP_INFO of the client connection) and
/// as <c>usher audit</c> judges it: the same facts and the same verdict for the admin API, the dashboard and
/// <c>usher sessions</c>.</summary>
/// <param name="ReadAt">When the client connection's TCP_INFO was read.</param>
/// <param name="LastDataReceived">Since data last came from the client (<c>tcpi_last_data_recv</c>).</param>
/// <param name="Silence">Since the client last acknowledged anything, keepalive probes too (<c>tcpi_last_ack_recv</c>).</param>
/// <param name="UnackedBytes">Bytes sent to the client and not acknowledged; <c>null</c> where the kernel does not say
/// (before Linux 4.19).</param>
/// <param name="UnackedSegments">Segments sent to the client and not acknowledged (<c>tcpi_unacked</c>).</param>
/// <param name="Probes">Keepalive probes sent without an answer (<c>tcpi_probes</c>).</param>
/// <param name="Retransmits">Timeouts in a row on the oldest unacknowledged segment (<c>tcpi_retransmits</c>).</param>
/// <param name="Suspect">Data or probes unanswered past the threshold (the audit's <c>suspect</c> or
/// <c>dead-by-now</c>): probe the session (<see cref="ISessionControl.Probe"/>) to settle it.</param>
/// <param name="Reason">Why it is suspect, in words; <c>null</c> when it is not.</param>
public sealed record SessionLiveness(
    DateTimeOffset ReadAt,
    TimeSpan LastDataReceived,
    TimeSpan Silence,
    long? UnackedBytes,
    uint UnackedSegments,
    int Probes,
    int Retransmits,
    bool Suspect,
    string? Reason)
{
    /// <summary>How long data or probes may stay unanswered before a session is suspect, unless the caller says:
    /// 10 s, as <c>usher audit</c> (a live peer acknowledges within a round trip; by then the kernel has retransmitted
    /// about 5 times).</summary>
    public static readonly TimeSpan DefaultSuspectAfter = TimeSpan.FromSeconds(10);
}
