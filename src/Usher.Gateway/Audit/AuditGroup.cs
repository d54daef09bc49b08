namespace Usher.Gateway.Audit;

/// <summary>The sessions of one remote address (or one user) on the audited port.</summary>
/// <param name="Key">The remote address, or the user.</param>
/// <param name="Sessions">Its sessions, the longest idle first.</param>
/// <param name="Limit">The limit the audit compares with (<c>--limit</c>); <c>null</c> when none was given.</param>
internal sealed record AuditGroup(string Key, IReadOnlyList<AuditedSession> Sessions, int? Limit)
{
    public int Count => Sessions.Count;

    public int Suspect => Sessions.Count(s => s.Verdict == SessionVerdict.Suspect);

    public int DeadByNow => Sessions.Count(s => s.Verdict == SessionVerdict.DeadByNow);

    /// <summary>Sessions with no sign of a vanished peer.</summary>
    public int Live => Count - Suspect - DeadByNow;

    /// <summary>The longest idle time among them; <c>null</c> when unknown.</summary>
    public TimeSpan? MaxIdle => Sessions.Max(s => s.Idle);

    public long UnackedBytes => Sessions.Sum(s => s.Entry.UnackedBytes);

    public int Retransmits => Sessions.Count == 0 ? 0 : Sessions.Max(s => s.Entry.Retransmits);

    /// <summary>The most keepalive probes outstanding on one of them; <c>null</c> when unknown.</summary>
    public int? Probes => Sessions.Max(s => s.Entry.Probes);

    /// <summary>Sessions left before the limit (negative: over it); <c>null</c> without a limit.</summary>
    public int? Headroom => Limit - Count;
}
