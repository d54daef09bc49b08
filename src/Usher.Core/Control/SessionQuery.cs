namespace Usher.Control;

/// <summary>Which open sessions to list, and how to judge their liveness.</summary>
/// <param name="Listener">Only those of this listener, when given.</param>
/// <param name="Identity">Only those of this identity as shown, when given.</param>
/// <param name="Limit">At most this many, the oldest (after the suspect filter).</param>
/// <param name="SuspectOnly">Only the sessions judged suspect.</param>
/// <param name="SuspectAfter">How long data or probes may stay unanswered before a session is suspect.</param>
public sealed record SessionQuery(
    string? Listener = null,
    string? Identity = null,
    int Limit = int.MaxValue,
    bool SuspectOnly = false,
    TimeSpan? SuspectAfter = null);
