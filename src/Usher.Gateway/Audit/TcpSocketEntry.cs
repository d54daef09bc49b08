using System.Net;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>One TCP socket as the kernel lists it, from sock_diag (with its <c>tcp_info</c>) or from /proc/net/tcp
/// (without it).</summary>
/// <param name="Local">The local address and port (IPv4-mapped IPv6 addresses are shown as IPv4).</param>
/// <param name="Remote">The peer's address and port.</param>
/// <param name="State">The TCP state.</param>
/// <param name="Timer">The timer that runs.</param>
/// <param name="TimerExpiresMs">Milliseconds until that timer fires.</param>
/// <param name="TimerRetransmits">Retransmissions (retransmit and zero-window timers) or keepalive probes
/// (keepalive timer) sent without an answer.</param>
/// <param name="ReceiveQueue">Bytes received and not read by the application yet.</param>
/// <param name="SendQueue">Bytes written and not acknowledged by the peer yet (sent or not).</param>
/// <param name="Uid">The socket owner's user id.</param>
/// <param name="Inode">The socket's inode.</param>
/// <param name="Info">The socket's <c>tcp_info</c>; <c>null</c> from /proc/net/tcp, which lacks it.</param>
public sealed record TcpSocketEntry(
    IPEndPoint Local,
    IPEndPoint Remote,
    TcpState State,
    TcpTimer Timer,
    long TimerExpiresMs,
    int TimerRetransmits,
    long ReceiveQueue,
    long SendQueue,
    long Uid,
    long Inode,
    TcpInfo? Info)
{
    /// <summary>Keepalive probes sent without an answer: from <c>tcp_info</c>, or the timer's count when the
    /// keepalive timer runs.</summary>
    public int? Probes => Info is { } info ? info.Probes : Timer is TcpTimer.Keepalive or TcpTimer.ZeroWindowProbe ? TimerRetransmits : null;

    /// <summary>Retransmissions of the oldest unacknowledged segment in a row (RTO backoffs).</summary>
    public int Retransmits => Info is { } info ? info.Retransmits : Timer == TcpTimer.Retransmit ? TimerRetransmits : 0;

    /// <summary>Bytes sent and not acknowledged: the send queue less what was not sent yet; the whole send queue
    /// when the kernel does not say how much of it was sent.</summary>
    public long UnackedBytes => Math.Max(0, SendQueue - (Info?.NotSentBytes ?? 0));
}
