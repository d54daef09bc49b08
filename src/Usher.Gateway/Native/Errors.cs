using System.Net.Sockets;

namespace Usher.Gateway.Native;

/// <summary>errno helpers.</summary>
internal static unsafe class Errors
{
    /// <summary>A short description of an errno, e.g. "ConnectionRefused".</summary>
    public static string Describe(int errno) => ToSocketError(errno) is var e and not SocketError.SocketError
        ? e.ToString()
        : $"errno {errno} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)})";

    /// <summary>A <see cref="SocketException"/> for an errno, with the system's message.</summary>
    public static SocketException Exception(int errno) =>
        new((int)ToSocketError(errno), System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno));

    /// <summary>The .NET name of a Linux errno met by sockets.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        Libc.ECONNREFUSED => SocketError.ConnectionRefused,
        Libc.ETIMEDOUT => SocketError.TimedOut,
        Libc.EHOSTUNREACH => SocketError.HostUnreachable,
        Libc.ENETUNREACH => SocketError.NetworkUnreachable,
        Libc.EHOSTDOWN => SocketError.HostDown,
        Libc.ENETDOWN => SocketError.NetworkDown,
        Libc.ECONNRESET => SocketError.ConnectionReset,
        Libc.ECONNABORTED => SocketError.ConnectionAborted,
        Libc.EPIPE => SocketError.Shutdown,
        Libc.EMFILE or Libc.ENFILE => SocketError.TooManyOpenSockets,
        Libc.ENOBUFS or Libc.ENOMEM => SocketError.NoBufferSpaceAvailable,
        98 => SocketError.AddressAlreadyInUse,
        99 => SocketError.AddressNotAvailable,
        13 => SocketError.AccessDenied,
        97 => SocketError.AddressFamilyNotSupported,
        _ => SocketError.SocketError,
    };

    /// <summary>The Linux errno behind a <see cref="SocketError"/> that ends a connection; 0 for others.</summary>
    public static int FromSocketError(SocketError error) => error switch
    {
        SocketError.TimedOut => Libc.ETIMEDOUT,
        SocketError.HostUnreachable => Libc.EHOSTUNREACH,
        SocketError.NetworkUnreachable => Libc.ENETUNREACH,
        SocketError.HostDown => Libc.EHOSTDOWN,
        SocketError.NetworkDown => Libc.ENETDOWN,
        SocketError.ConnectionReset => Libc.ECONNRESET,
        SocketError.ConnectionAborted => Libc.ECONNABORTED,
        SocketError.Shutdown => Libc.EPIPE,
        _ => 0,
    };

    /// <summary>Makes the next close of <paramref name="fd"/> send a RST and free the socket at once.</summary>
    public static void Abort(int fd)
    {
        var linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, linger, 2 * sizeof(int));
    }
}
