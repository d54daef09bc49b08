using Usher.Gateway.Audit;

namespace Usher.Cli.Commands;

/// <summary>One remote address (or user) in <c>usher audit --json</c>.</summary>
/// <param name="Key">The remote address, or the user.</param>
/// <param name="Count">Its established sessions.</param>
/// <param name="Live">Those with no sign of a vanished peer.</param>
/// <param name="Suspect">Those flagged suspect.</param>
/// <param name="DeadByNow">Those flagged dead-by-now.</param>
/// <param name="MaxIdleSeconds">The longest idle time among them; <c>null</c> when unknown.</param>
/// <param name="UnackedBytes">Bytes sent to it and not acknowledged, all sessions together.</param>
/// <param name="Retransmits">The most retransmissions in a row on one of them.</param>
/// <param name="Probes">The most keepalive probes outstanding on one of them; <c>null</c> when unknown.</param>
/// <param name="Headroom">Sessions left before <c>--limit</c> (negative: over it); <c>null</c> without a limit.</param>
internal sealed record AuditGroupOutput(
    string Key,
    int Count,
    int Live,
    int Suspect,
    int DeadByNow,
    double? MaxIdleSeconds,
    long UnackedBytes,
    int Retransmits,
    int? Probes,
    int? Headroom)
{
    public static AuditGroupOutput From(AuditGroup g)
    {
        ArgumentNullException.ThrowIfNull(g);
        return new(g.Key, g.Count, g.Live, g.Suspect, g.DeadByNow, g.MaxIdle?.TotalSeconds, g.UnackedBytes, g.Retransmits, g.Probes, g.Headroom);
    }
}
