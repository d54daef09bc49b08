using System.Net.Sockets;

namespace Usher.Gateway.Native;

/// <summary>errno helpers.</summary>
internal static unsafe class Errors
{
    /// <summary>A short description of an errno, e.g. "ConnectionRefused (111)".</summary>
    public static string Describe(int errno) => $"{new SocketException(errno).SocketErrorCode} ({errno})";

    /// <summary>Makes the next close of <paramref name="fd"/> send a RST and free the socket at once.</summary>
    public static void Abort(int fd)
    {
        var linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, linger, 2 * sizeof(int));
    }
}
