namespace Usher.Gateway.Audit;

/// <summary>One established session on the audited port, judged.</summary>
/// <param name="Entry">The kernel's view of it.</param>
/// <param name="User">Who Usher counts it for, when the port is one of Usher's listeners and its admin API told.</param>
/// <param name="Verdict">What the audit makes of it.</param>
/// <param name="Silence">How long since the peer last acknowledged anything; <c>null</c> when unknown.</param>
/// <param name="SilenceAtLeast">Whether <paramref name="Silence"/> is only a lower bound (deduced from the
/// retransmissions, where /proc/net/tcp has no timestamps).</param>
internal sealed record AuditedSession(TcpSocketEntry Entry, string? User, SessionVerdict Verdict, TimeSpan? Silence, bool SilenceAtLeast)
{
    /// <summary>How long since data last came from the peer (<c>tcpi_last_data_recv</c>); <c>null</c> when unknown.</summary>
    public TimeSpan? Idle => Entry.Info is { } info ? TimeSpan.FromMilliseconds(info.LastDataReceivedMs) : null;
}
