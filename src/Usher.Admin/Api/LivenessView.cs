namespace Usher.Admin.Api;

/// <summary>Whether a session's client is still there (<c>liveness</c> of a session in the API), from the client
/// connection's TCP_INFO, judged as <c>usher audit</c> judges.</summary>
/// <param name="ReadAt">When TCP_INFO was read.</param>
/// <param name="LastDataReceivedSeconds">Seconds since data last came from the client (<c>tcpi_last_data_recv</c>).</param>
/// <param name="SilentSeconds">Seconds since the client last acknowledged anything, keepalive probes too
/// (<c>tcpi_last_ack_recv</c>).</param>
/// <param name="UnackedBytes">Bytes sent to the client and not acknowledged; <c>null</c> where the kernel does not say.</param>
/// <param name="UnackedSegments">Segments sent to the client and not acknowledged.</param>
/// <param name="Probes">Keepalive probes sent without an answer.</param>
/// <param name="Retransmits">Timeouts in a row on the oldest unacknowledged segment.</param>
/// <param name="Suspect">Data or probes unanswered past the threshold: probe it (<c>POST /api/sessions/{id}/probe</c>).</param>
/// <param name="Reason">Why it is suspect; <c>null</c> when it is not.</param>
public sealed record LivenessView(
    DateTimeOffset ReadAt,
    double LastDataReceivedSeconds,
    double SilentSeconds,
    long? UnackedBytes,
    uint UnackedSegments,
    int Probes,
    int Retransmits,
    bool Suspect,
    string? Reason);
