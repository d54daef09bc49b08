using System.Net.Sockets;

namespace Usher.Gateway.Sockets;

/// <summary>How a peer went away, told apart from what the kernel says. A zero-byte read completes with 0 both for a
/// FIN and for a connection the kernel gave up on (keepalive or user timeout): SO_ERROR and TCP_INFO tell which.</summary>
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

/// <summary>Classifies a peer's end from the socket's error and TCP state.</summary>
public static class PeerEndClassifier
{
    /// <summary>Classifies the end of a socket whose read returned 0.</summary>
    public static PeerEnd AfterZeroRead(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        SocketError error;
        try
        {
            error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return PeerEnd.Closed;
        }

        if (error != SocketError.Success)
        {
            return FromError(error, socket);
        }

        var info = TcpInfo.TryRead(socket);
        return info is { State: TcpState.Close } ? FromError(SocketError.TimedOut, socket, info) : PeerEnd.Closed;
    }

    /// <summary>Classifies a socket error met on a read or a write.</summary>
    public static PeerEnd FromError(SocketError error, Socket socket, TcpInfo? info = null) => error switch
    {
        SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown
            or SocketError.NetworkDown => GaveUpOnData(info ?? TcpInfo.TryRead(socket))
                ? PeerEnd.DeadUserTimeout
                : PeerEnd.DeadKeepalive,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => PeerEnd.Reset,
        _ => PeerEnd.Closed,
    };

    /// <summary>Whether the kernel gave up retransmitting data (TCP_USER_TIMEOUT) rather than sending keepalive
    /// probes. Keepalive probes go out only while nothing is unacknowledged, so retransmissions mean sent data went
    /// unanswered. The kernel purges the send queue of a connection it gives up on before the error is reported, so
    /// Unacked reads 0 by then (seen on 6.18); the retransmission count is still there.</summary>
    private static bool GaveUpOnData(TcpInfo? info) => info is { Probes: 0 } and ({ Unacked: > 0 } or { Retransmits: > 0 });
}
