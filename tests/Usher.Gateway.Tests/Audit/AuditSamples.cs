using System.Buffers.Binary;
using System.Net;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Audit;

/// <summary>Sockets and kernel messages as the kernel writes them, built byte by byte for the parsing tests.</summary>
internal static class AuditSamples
{
    /// <summary>A <c>struct tcp_info</c> of 160 bytes with the fields the audit reads.</summary>
    public static byte[] TcpInfoBytes(byte probes = 0, byte retransmits = 0, uint unacked = 0, uint lastDataReceivedMs = 0,
        uint lastAckReceivedMs = 0, uint notSent = 0)
    {
        var b = new byte[160];
        b[0] = (byte)TcpState.Established;
        b[2] = retransmits;
        b[3] = probes;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), unacked);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(52), lastDataReceivedMs);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(56), lastAckReceivedMs);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(144), notSent);
        return b;
    }

    /// <summary>One SOCK_DIAG_BY_FAMILY answer (nlmsghdr + inet_diag_msg + INET_DIAG_INFO when given).</summary>
    public static byte[] DiagMessage(IPEndPoint local, IPEndPoint remote, TcpTimer timer = TcpTimer.None, byte timerCount = 0,
        uint sendQueue = 0, uint uid = 1000, uint inode = 4242, byte[]? tcpInfo = null)
    {
        var attribute = tcpInfo is null ? 0 : 4 + tcpInfo.Length;
        var length = SockDiagMessages.HeaderSize + SockDiagMessages.DiagMessageSize + attribute;
        var m = new byte[length];
        var s = m.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], SockDiagMessages.SockDiagByFamily);
        var d = s[SockDiagMessages.HeaderSize..];
        d[0] = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? (byte)2 : (byte)10;
        d[1] = (byte)TcpState.Established;
        d[2] = (byte)timer;
        d[3] = timerCount;
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], (ushort)local.Port);
        BinaryPrimitives.WriteUInt16BigEndian(d[6..], (ushort)remote.Port);
        local.Address.GetAddressBytes().CopyTo(d[8..]);
        remote.Address.GetAddressBytes().CopyTo(d[24..]);
        BinaryPrimitives.WriteUInt32LittleEndian(d[52..], 1500);
        BinaryPrimitives.WriteUInt32LittleEndian(d[60..], sendQueue);
        BinaryPrimitives.WriteUInt32LittleEndian(d[64..], uid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[68..], inode);
        if (tcpInfo is not null)
        {
            var a = d[SockDiagMessages.DiagMessageSize..];
            BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)attribute);
            BinaryPrimitives.WriteUInt16LittleEndian(a[2..], SockDiagMessages.InetDiagInfo);
            tcpInfo.CopyTo(a[4..]);
        }

        return m;
    }

    /// <summary>NLMSG_DONE, or NLMSG_ERROR carrying -<paramref name="errno"/>.</summary>
    public static byte[] Control(ushort type, int errno = 0)
    {
        var m = new byte[SockDiagMessages.HeaderSize + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(SockDiagMessages.HeaderSize), -errno);
        return m;
    }

    /// <summary>An established socket on <paramref name="port"/> from <paramref name="remote"/>.</summary>
    public static TcpSocketEntry Entry(string remote, int port = 5432, long sendQueue = 0, TcpInfo? info = null,
        TcpTimer timer = TcpTimer.None, int timerCount = 0) =>
        new(new IPEndPoint(IPAddress.Parse("10.0.0.1"), port), IPEndPoint.Parse(remote), TcpState.Established, timer, 0, timerCount,
            0, sendQueue, 0, 1, info);

    /// <summary>tcp_info with the given silence (last ACK) and idle time (last data), in seconds.</summary>
    public static TcpInfo Info(double silentSeconds, double idleSeconds = 0, uint unacked = 0, byte probes = 0, byte retransmits = 0) =>
        TcpInfo.Parse(TcpInfoBytes(probes, retransmits, unacked, (uint)(idleSeconds * 1000), (uint)(silentSeconds * 1000)))!.Value;
}
