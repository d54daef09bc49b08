using System.Buffers.Binary;
using System.Net.Sockets;

namespace Usher.Gateway.Sockets;

/// <summary>The kernel's view of one TCP connection (Linux <c>struct tcp_info</c>, TCP_INFO): enough to tell an
/// idle but live peer from one whose probes go unanswered. One getsockopt, no allocation.</summary>
public readonly record struct TcpInfo(
    TcpState State,
    byte Retransmits,
    byte Probes,
    byte Backoff,
    uint Unacked,
    uint LastDataSentMs,
    uint LastDataReceivedMs,
    uint LastAckReceivedMs,
    uint RttMicroseconds,
    uint TotalRetransmits)
{
    private const int SolTcp = 6;
    private const int TcpInfoOption = 11;
    private const int Size = 104;

    /// <summary>Reads TCP_INFO; <c>null</c> when the socket is closed or the platform has no TCP_INFO.</summary>
    public static TcpInfo? TryRead(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> b = stackalloc byte[Size];
        int length;
        try
        {
            length = socket.GetRawSocketOption(SolTcp, TcpInfoOption, b);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }

        if (length < Size)
        {
            return null;
        }

        return new TcpInfo(
            (TcpState)b[0],
            b[2],
            b[3],
            b[4],
            BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[44..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[52..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[56..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[68..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[100..]));
    }
}

/// <summary>Linux TCP states as TCP_INFO reports them.</summary>
public enum TcpState : byte
{
    /// <summary>Unknown.</summary>
    Unknown = 0,
    /// <summary>ESTABLISHED.</summary>
    Established = 1,
    /// <summary>SYN_SENT.</summary>
    SynSent = 2,
    /// <summary>SYN_RECV.</summary>
    SynReceived = 3,
    /// <summary>FIN_WAIT1.</summary>
    FinWait1 = 4,
    /// <summary>FIN_WAIT2.</summary>
    FinWait2 = 5,
    /// <summary>TIME_WAIT.</summary>
    TimeWait = 6,
    /// <summary>CLOSE: the connection is gone (reset, or given up after unanswered probes).</summary>
    Close = 7,
    /// <summary>CLOSE_WAIT: the peer sent FIN.</summary>
    CloseWait = 8,
    /// <summary>LAST_ACK.</summary>
    LastAck = 9,
    /// <summary>LISTEN.</summary>
    Listen = 10,
    /// <summary>CLOSING.</summary>
    Closing = 11,
}
