using System.Runtime.InteropServices;

namespace Usher.Gateway.Native;

/// <summary>statx(2), for the size the kernel reports of a file: of <c>/proc/self/fd</c>, the number of open
/// descriptors (Linux 6.2 and later; 0 before).</summary>
internal static unsafe partial class Libc
{
    public const int AT_FDCWD = -100;
    public const uint STATX_SIZE = 0x200;

    /// <summary>Bytes of <c>struct statx</c> (the same on every architecture).</summary>
    public const int StatxSize = 256;

    /// <summary>Where <c>stx_size</c> sits inside <c>struct statx</c>.</summary>
    public const int StatxSizeOffset = 40;

    [LibraryImport(Lib, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The size statx reports of <paramref name="path"/>; <c>null</c> when the call fails.</summary>
    public static long? StatxFileSize(string path)
    {
        var buffer = stackalloc byte[StatxSize];
        return Statx(AT_FDCWD, path, 0, STATX_SIZE, buffer) == 0 ? *(long*)(buffer + StatxSizeOffset) : null;
    }
}
