using System.Runtime.InteropServices;

namespace Usher.Gateway.Native;

/// <summary>Netlink, for the kernel's socket diagnostics (<c>usher audit</c>).</summary>
internal static unsafe partial class Libc
{
    public const int AF_NETLINK = 16;
    public const int SOCK_DGRAM = 2;
    public const int NETLINK_SOCK_DIAG = 4;
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int EPROTONOSUPPORT = 93;
    public const int EAFNOSUPPORT = 97;

    [LibraryImport(Lib, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nint length, int flags, byte* address, int addressLength);
}
