namespace Usher.Gateway.Audit;

/// <summary>Which of a TCP socket's timers runs (<c>idiag_timer</c> of sock_diag, the <c>tr</c> column of
/// /proc/net/tcp).</summary>
public enum TcpTimer : byte
{
    /// <summary>No timer runs: nothing is outstanding and keepalive is off.</summary>
    None = 0,

    /// <summary>Retransmission: sent data waits for its acknowledgement.</summary>
    Retransmit = 1,

    /// <summary>Keepalive: the socket has SO_KEEPALIVE and waits for the next probe (or its answer).</summary>
    Keepalive = 2,

    /// <summary>TIME_WAIT.</summary>
    TimeWait = 3,

    /// <summary>Zero-window probe: the peer's receive window is closed.</summary>
    ZeroWindowProbe = 4,
}
