using System.Buffers.Binary;
using System.Net.Sockets;
using Usher.Configuration;

namespace Usher.Gateway.Sockets;

/// <summary>Every socket option the gateway sets, in one place: keepalive, TCP_USER_TIMEOUT and NoDelay, the same
/// on the client and the backend socket.</summary>
public static class SocketTuning
{
    private const int SolTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>Applies the listener's liveness settings to a connected (or about to connect) TCP socket.</summary>
    public static void Apply(Socket socket, KeepaliveSettings keepalive, TimeSpan userTimeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(keepalive);
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        SetKeepalive(socket, keepalive.Idle, keepalive.Interval, keepalive.Count);
        if (userTimeout > TimeSpan.Zero && OperatingSystem.IsLinux())
        {
            SetUserTimeout(socket, userTimeout);
        }
    }

    /// <summary>Sets the keepalive timers (whole seconds, at least 1).</summary>
    public static void SetKeepalive(Socket socket, TimeSpan idle, TimeSpan interval, int count)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Seconds(interval));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Seconds(idle));
    }

    /// <summary>Sets TCP_USER_TIMEOUT: how long sent data (or keepalive probes) may go unanswered.</summary>
    public static void SetUserTimeout(Socket socket, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)Math.Min(uint.MaxValue, timeout.TotalMilliseconds));
        socket.SetRawSocketOption(SolTcp, TcpUserTimeout, value);
    }

    /// <summary>Reads back what the kernel holds for a socket (for tests and <c>usher doctor</c>).</summary>
    public static SocketLiveness Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var enabled = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0;
        var idle = (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!;
        var interval = (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!;
        var count = (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!;
        uint userTimeoutMs = 0;
        if (OperatingSystem.IsLinux())
        {
            Span<byte> value = stackalloc byte[4];
            socket.GetRawSocketOption(SolTcp, TcpUserTimeout, value);
            userTimeoutMs = BinaryPrimitives.ReadUInt32LittleEndian(value);
        }

        return new SocketLiveness(enabled, TimeSpan.FromSeconds(idle), TimeSpan.FromSeconds(interval), count,
            TimeSpan.FromMilliseconds(userTimeoutMs), socket.NoDelay);
    }

    private static int Seconds(TimeSpan value) => Math.Max(1, (int)Math.Ceiling(value.TotalSeconds));
}

/// <summary>The liveness options the kernel holds for one socket.</summary>
public readonly record struct SocketLiveness(
    bool KeepaliveEnabled, TimeSpan Idle, TimeSpan Interval, int Count, TimeSpan UserTimeout, bool NoDelay);
