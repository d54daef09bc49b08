using Usher.Gateway.Audit;

namespace Usher.Cli.Commands;

/// <summary>The JSON of <c>usher audit --json</c>: one object per reading (per second with <c>--watch</c>, one per
/// line).</summary>
/// <param name="Port">The local port audited.</param>
/// <param name="Source"><c>netlink</c> or <c>proc</c>.</param>
/// <param name="SuspectAfterSeconds">The threshold for <c>suspect</c>.</param>
/// <param name="Host">The host's own budget, for <c>dead-by-now</c>.</param>
/// <param name="Limit">The limit compared with; <c>null</c> when none was given.</param>
/// <param name="Sessions">Every established session on the port.</param>
/// <param name="Remotes">The sessions by remote address, most first.</param>
/// <param name="Users">The sessions by user, most first; empty when unknown.</param>
/// <param name="Unseen">What the audit could not see.</param>
internal sealed record AuditOutput(
    int Port,
    string Source,
    double SuspectAfterSeconds,
    AuditHostOutput Host,
    int? Limit,
    IReadOnlyList<AuditSessionOutput> Sessions,
    IReadOnlyList<AuditGroupOutput> Remotes,
    IReadOnlyList<AuditGroupOutput> Users,
    IReadOnlyList<string> Unseen)
{
    public static AuditOutput From(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new AuditOutput(
            report.Port,
            report.Source,
            report.Policy.SuspectAfter.TotalSeconds,
            AuditHostOutput.From(report.Policy.Host),
            report.Limit,
            [.. report.Sessions.Select(AuditSessionOutput.From)],
            [.. report.Remotes.Select(AuditGroupOutput.From)],
            [.. report.Users.Select(AuditGroupOutput.From)],
            report.Unseen);
    }

    /// <summary>A verdict as written: <c>ok</c>, <c>suspect</c>, <c>dead-by-now</c>.</summary>
    public static string Verdict(SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Suspect => "suspect",
        SessionVerdict.DeadByNow => "dead-by-now",
        _ => "ok",
    };
}
