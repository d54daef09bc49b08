using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Usher.Testing;

/// <summary>What the kernel holds for a socket: bytes received and not yet read (SIOCINQ), bytes sent and not yet
/// acknowledged by the peer (SIOCOUTQ). With both ends on this machine, the bytes a relay has taken from one side
/// and not handed to the kernel of the other are what it holds itself.</summary>
public static partial class SocketQueues
{
    private const nuint SIOCINQ = 0x541B;
    private const nuint SIOCOUTQ = 0x5411;

    /// <summary>Bytes waiting to be read on descriptor <paramref name="fd"/>.</summary>
    public static int Unread(int fd) => Query(fd, SIOCINQ);

    /// <summary>Bytes written to descriptor <paramref name="fd"/> that its peer has not acknowledged.</summary>
    public static int Unacknowledged(int fd) => Query(fd, SIOCOUTQ);

    /// <summary>Bytes waiting to be read on <paramref name="socket"/>.</summary>
    public static int Unread(Socket socket) => Unread((int)(socket ?? throw new ArgumentNullException(nameof(socket))).Handle);

    /// <summary>Bytes written to <paramref name="socket"/> that its peer has not acknowledged.</summary>
    public static int Unacknowledged(Socket socket) => Unacknowledged((int)(socket ?? throw new ArgumentNullException(nameof(socket))).Handle);

    private static int Query(int fd, nuint request)
    {
        if (Ioctl(fd, request, out var value) != 0)
        {
            throw new InvalidOperationException($"ioctl 0x{request:x} on descriptor {fd} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return value;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, out int value);
}
