using Usher.Gateway.Audit;

namespace Usher.Cli.Commands;

/// <summary>One session in <c>usher audit --json</c>; <c>null</c> stands for unknown (read from /proc/net/tcp).</summary>
internal sealed record AuditSessionOutput(
    string Local,
    string Remote,
    string? User,
    string Verdict,
    double? IdleSeconds,
    double? SilenceSeconds,
    bool SilenceAtLeast,
    long SendQueueBytes,
    long UnackedBytes,
    uint? UnackedSegments,
    uint? NotSentBytes,
    long ReceiveQueueBytes,
    int Retransmits,
    uint? TotalRetransmits,
    int? Probes,
    string Timer,
    double TimerExpiresSeconds,
    int TimerCount,
    long Uid,
    long Inode)
{
    public static AuditSessionOutput From(AuditedSession s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var e = s.Entry;
        return new AuditSessionOutput(
            e.Local.ToString(),
            e.Remote.ToString(),
            s.User,
            AuditOutput.Verdict(s.Verdict),
            s.Idle?.TotalSeconds,
            s.Silence?.TotalSeconds,
            s.SilenceAtLeast,
            e.SendQueue,
            e.UnackedBytes,
            e.Info?.Unacked,
            e.Info?.NotSentBytes,
            e.ReceiveQueue,
            e.Retransmits,
            e.Info?.TotalRetransmits,
            e.Probes,
            AuditView.Timer(e.Timer),
            e.TimerExpiresMs / 1000.0,
            e.TimerRetransmits,
            e.Uid,
            e.Inode);
    }
}
