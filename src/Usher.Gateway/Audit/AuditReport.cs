using System.Net;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>What <c>usher audit</c> found on one port: the established sessions judged, grouped by remote address
/// (and by user where Usher told who they are), the busiest first, and what it could not see.</summary>
/// <param name="Port">The local port audited.</param>
/// <param name="Source"><c>netlink</c> (sock_diag, with tcp_info) or <c>proc</c> (/proc/net/tcp).</param>
/// <param name="Policy">How the sessions were judged.</param>
/// <param name="Limit">The limit per remote (or user) to compare with; <c>null</c> when none was given.</param>
/// <param name="Sessions">Every established session on the port.</param>
/// <param name="Remotes">The sessions by remote address, most sessions first.</param>
/// <param name="Users">The sessions by user, most first; empty when the users are not known.</param>
/// <param name="Unseen">What the audit could not see, one sentence each.</param>
internal sealed record AuditReport(
    int Port,
    string Source,
    AuditPolicy Policy,
    int? Limit,
    IReadOnlyList<AuditedSession> Sessions,
    IReadOnlyList<AuditGroup> Remotes,
    IReadOnlyList<AuditGroup> Users,
    IReadOnlyList<string> Unseen)
{
    /// <summary>Judges and groups the established sessions on local port <paramref name="port"/> among
    /// <paramref name="entries"/>; <paramref name="users"/> maps a client's address and port to its user.</summary>
    public static AuditReport Build(
        IEnumerable<TcpSocketEntry> entries,
        int port,
        string source,
        AuditPolicy policy,
        int? limit,
        IReadOnlyDictionary<IPEndPoint, string>? users,
        IReadOnlyList<string> unseen)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(policy);
        var sessions = entries
            .Where(e => e.State == TcpState.Established && e.Local.Port == port)
            .Select(e =>
            {
                var (verdict, silence, atLeast) = policy.Judge(e);
                return new AuditedSession(e, users?.GetValueOrDefault(e.Remote), verdict, silence, atLeast);
            })
            .OrderByDescending(s => s.Idle ?? s.Silence ?? TimeSpan.Zero)
            .ThenBy(s => s.Entry.Remote.ToString(), StringComparer.Ordinal)
            .ToList();
        var remotes = Group(sessions, s => s.Entry.Remote.Address.ToString(), limit);
        var byUser = users is null ? [] : Group(sessions.Where(s => s.User is not null), s => s.User!, limit);
        return new AuditReport(port, source, policy, limit, sessions, remotes, byUser, unseen);
    }

    /// <summary>The groups nearest the limit (the most sessions) first.</summary>
    private static List<AuditGroup> Group(IEnumerable<AuditedSession> sessions, Func<AuditedSession, string> key, int? limit) =>
        [.. sessions
            .GroupBy(key, StringComparer.Ordinal)
            .Select(g => new AuditGroup(g.Key, [.. g], limit))
            .OrderByDescending(g => g.Count)
            .ThenByDescending(g => g.Suspect + g.DeadByNow)
            .ThenBy(g => g.Key, StringComparer.Ordinal)];
}
