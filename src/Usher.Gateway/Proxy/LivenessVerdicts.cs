using System.Globalization;
using Usher.Configuration;
using Usher.Control;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>A session's liveness as the admin side shows it: the client connection's last TCP_INFO, judged by
/// <c>usher audit</c>'s policy (<see cref="AuditPolicy"/>), with the listener's own keepalive as the keepalive budget
/// (Usher sets it on every client socket) and the host's tcp_retries2 for unacknowledged data.</summary>
internal static class LivenessVerdicts
{
    private static readonly Lazy<int> HostRetries2 = new(() =>
        (int)(HostLiveness.Sysctl("net/ipv4/tcp_retries2") ?? HostLiveness.LinuxDefaults.Retries2));

    /// <summary>The liveness of <paramref name="record"/>'s client; <c>null</c> before any TCP_INFO was read.</summary>
    public static SessionLiveness? Of(SessionRecord record, ListenerSettings? listener, TimeSpan suspectAfter)
    {
        if (record.ClientTcp is not { } tcp || record.TcpReadAt is not { } readAt)
        {
            return null;
        }

        var keepalive = listener?.Keepalive ?? HostLiveness.LinuxDefaults.Keepalive;
        var policy = new AuditPolicy(suspectAfter, new HostLiveness(keepalive, HostRetries2.Value));
        var unacked = (tcp.UnackedBytes > 0 || tcp.Unacked > 0) && tcp.Retransmits > 0;
        var silence = TimeSpan.FromMilliseconds(tcp.LastAckReceivedMs);
        var (verdict, _, _) = policy.Judge(unacked, tcp.Probes, tcp.Retransmits, silence);
        var reason = verdict == SessionVerdict.Ok ? null : Reason(tcp, unacked, silence, verdict);
        return new SessionLiveness(readAt, TimeSpan.FromMilliseconds(tcp.LastDataReceivedMs), silence, tcp.UnackedBytes,
            tcp.Unacked, tcp.Probes, tcp.Retransmits, verdict != SessionVerdict.Ok, reason);
    }

    private static string Reason(TcpSnapshot tcp, bool unacked, TimeSpan silence, SessionVerdict verdict)
    {
        var seconds = silence.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        var what = unacked
            ? $"{(tcp.UnackedBytes is { } bytes ? $"{bytes} byte(s)" : $"{tcp.Unacked} segment(s)")} unacknowledged after {tcp.Retransmits} retransmission(s)"
            : $"{tcp.Probes} keepalive probe(s) unanswered";
        var past = verdict == SessionVerdict.DeadByNow
            ? unacked ? "; past this host's retransmission budget (tcp_retries2)" : "; past the listener's keepalive budget"
            : string.Empty;
        return $"{what}, no answer for {seconds} s{past}";
    }
}
