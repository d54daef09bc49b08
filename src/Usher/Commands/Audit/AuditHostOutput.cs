using Usher.Gateway.Sockets;

namespace Usher.Cli.Commands;

/// <summary>The host's settings <c>dead-by-now</c> is judged by.</summary>
internal sealed record AuditHostOutput(
    double KeepaliveTimeSeconds,
    double KeepaliveIntervalSeconds,
    int KeepaliveProbes,
    double KeepaliveBudgetSeconds,
    int Retries2,
    double RetransmitBudgetSeconds)
{
    public static AuditHostOutput From(HostLiveness host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new(host.Keepalive.Idle.TotalSeconds, host.Keepalive.Interval.TotalSeconds, host.Keepalive.Count,
            host.Keepalive.Budget.TotalSeconds, host.Retries2, host.RetransmitBudget.TotalSeconds);
    }
}
