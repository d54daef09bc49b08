using Usher.Gateway.Native;

namespace Usher.Gateway.Sockets;

/// <summary>How a peer went away.</summary>
public enum PeerEnd
{
    /// <summary>The peer closed (FIN).</summary>
    Closed,
    /// <summary>The peer reset the connection (RST).</summary>
    Reset,
    /// <summary>The peer stopped answering: keepalive probes unanswered.</summary>
    DeadKeepalive,
    /// <summary>The peer stopped answering: sent data unacknowledged past TCP_USER_TIMEOUT.</summary>
    DeadUserTimeout,
}

/// <summary>Classifies a peer's end from an errno, the socket's pending error and its TCP state. A connection the
/// kernel gave up on (keepalive or user timeout) can look like a FIN to a reader; SO_ERROR and TCP_INFO tell which.</summary>
public static class PeerEndClassifier
{
    /// <summary>Classifies the end of a socket whose read returned 0 or whose epoll event reported an error.
    /// <paramref name="finSent"/>: this side shut down its writing first, so a socket already in TCP_CLOSE is the
    /// orderly end of both halves (FIN each way), not a connection the kernel gave up on.</summary>
    public static PeerEnd AfterEnd(int fd, bool finSent = false)
    {
        var error = Libc.GetInt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR);
        if (error > 0)
        {
            return FromErrno(error, fd);
        }

        return !finSent && TcpInfo.TryRead(fd) is { State: TcpState.Close } info ? FromErrno(Libc.ETIMEDOUT, fd, info) : PeerEnd.Closed;
    }

    /// <summary>Classifies an errno met on a read or a write.</summary>
    public static PeerEnd FromErrno(int errno, int fd, TcpInfo? info = null) => errno switch
    {
        Libc.ETIMEDOUT or Libc.EHOSTUNREACH or Libc.ENETUNREACH or Libc.EHOSTDOWN or Libc.ENETDOWN =>
            GaveUpOnData(info ?? TcpInfo.TryRead(fd)) ? PeerEnd.DeadUserTimeout : PeerEnd.DeadKeepalive,
        Libc.ECONNRESET or Libc.ECONNABORTED or Libc.EPIPE => PeerEnd.Reset,
        _ => PeerEnd.Closed,
    };

    /// <summary>Whether the kernel gave up retransmitting data (TCP_USER_TIMEOUT) rather than sending keepalive
    /// probes. Keepalive probes go out only while nothing is unacknowledged, so retransmissions mean sent data went
    /// unanswered. The kernel purges the send queue of a connection it gives up on before the error is reported, so
    /// Unacked reads 0 by then (seen on 6.18); the retransmission count is still there.</summary>
    private static bool GaveUpOnData(TcpInfo? info) => info is { Probes: 0 } and ({ Unacked: > 0 } or { Retransmits: > 0 });
}
