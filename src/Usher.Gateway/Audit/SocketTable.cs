using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>The established TCP sockets of this network namespace, from sock_diag or, where netlink is refused,
/// from /proc/net/tcp; each reading says what it could not see.</summary>
internal static class SocketTable
{
    /// <summary>What /proc/net/tcp lacks, said once per reading from it.</summary>
    public const string ProcLacks = "/proc/net/tcp has no tcp_info: idle time, unacknowledged segments, bytes not sent yet and " +
        "total retransmits are unknown (?); the peer's silence is deduced from the retransmissions (shown as ≥)";

    /// <summary>Reads the sockets; returns them and the source used (<c>netlink</c> or <c>proc</c>).</summary>
    /// <exception cref="SockDiagException">Netlink was asked for alone and refused.</exception>
    public static (List<TcpSocketEntry> Entries, string Source) Read(AuditSource wanted, List<string> unseen)
    {
        ArgumentNullException.ThrowIfNull(unseen);
        if (wanted != AuditSource.Proc)
        {
            try
            {
                var entries = SockDiag.Dump(SockDiag.Established);
                var without = entries.Count(e => e.Info is null);
                if (without > 0)
                {
                    unseen.Add($"{without} socket(s) came without tcp_info (an older kernel?): their idle time and silence are unknown");
                }

                return (entries, "netlink");
            }
            catch (SockDiagException e) when (wanted == AuditSource.Auto)
            {
                unseen.Add($"netlink sock_diag refused ({e.Message}): read /proc/net/tcp and /proc/net/tcp6 instead");
            }
        }

        var fromProc = ProcNetTcp.Read(unseen);
        unseen.Add(ProcLacks);
        return ([.. fromProc.Where(e => e.State == TcpState.Established)], "proc");
    }
}
