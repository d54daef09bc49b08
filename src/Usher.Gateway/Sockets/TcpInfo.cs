using System.Buffers.Binary;
using Usher.Gateway.Native;

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
    private const int Size = 104;
    private const int NotSentOffset = 144;
    private const int BytesAckedOffset = 120;
    private const int BytesSentOffset = 200;
    private const int BytesRetransOffset = 208;

    /// <summary>What TCP_INFO asks for: up to <c>tcpi_bytes_retrans</c> (Linux 4.19); an older kernel writes less.</summary>
    private const int ReadSize = BytesRetransOffset + 8;

    /// <summary>The snapshot kept on a session record.</summary>
    public Usher.Sessions.TcpSnapshot ToSnapshot() => new(State.ToString(), LastDataReceivedMs, LastDataSentMs,
        LastAckReceivedMs, Unacked, Probes, Retransmits, TotalRetransmits, RttMicroseconds)
    {
        UnackedBytes = UnackedBytes,
    };

    /// <summary>Bytes written but not sent yet (<c>tcpi_notsent_bytes</c>, Linux 4.6); <c>null</c> when the kernel's
    /// struct was too short to hold it.</summary>
    public uint? NotSentBytes { get; init; }

    /// <summary>Bytes sent and not acknowledged yet: <c>tcpi_bytes_sent</c> less <c>tcpi_bytes_retrans</c> (what was
    /// sent again) less <c>tcpi_bytes_acked</c> (Linux 4.19); <c>null</c> when the kernel's struct was too short.</summary>
    public long? UnackedBytes { get; init; }

    /// <summary>Reads TCP_INFO of a socket; <c>null</c> when it is closed.</summary>
    public static unsafe TcpInfo? TryRead(int fd)
    {
        var b = stackalloc byte[ReadSize];
        var length = ReadSize;
        return Libc.GetSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_INFO, b, &length) != 0
            ? null
            : Parse(new ReadOnlySpan<byte>(b, length));
    }

    /// <summary>Reads a <c>struct tcp_info</c> as the kernel wrote it (TCP_INFO, or sock_diag's INET_DIAG_INFO);
    /// <c>null</c> when it is shorter than the fields read here.</summary>
    public static TcpInfo? Parse(ReadOnlySpan<byte> s)
    {
        if (s.Length < Size)
        {
            return null;
        }

        return new TcpInfo(
            (TcpState)s[0],
            s[2],
            s[3],
            s[4],
            BinaryPrimitives.ReadUInt32LittleEndian(s[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[44..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[52..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[56..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[68..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[100..]))
        {
            NotSentBytes = s.Length >= NotSentOffset + 4 ? BinaryPrimitives.ReadUInt32LittleEndian(s[NotSentOffset..]) : null,
            UnackedBytes = s.Length >= ReadSize ? UnackedOf(s) : null,
        };
    }

    private static long UnackedOf(ReadOnlySpan<byte> s)
    {
        var sent = BinaryPrimitives.ReadUInt64LittleEndian(s[BytesSentOffset..]);
        var again = BinaryPrimitives.ReadUInt64LittleEndian(s[BytesRetransOffset..]);
        var acked = BinaryPrimitives.ReadUInt64LittleEndian(s[BytesAckedOffset..]);
        return Math.Max(0, (long)(sent - again - acked));
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
