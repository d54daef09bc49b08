using System.Runtime.InteropServices;

namespace Usher.Gateway.Native;

/// <summary>pidfd_open(2) and pidfd_getfd(2) (Linux 5.6+), through syscall(2).</summary>
internal static partial class Pidfd
{
    private const long SysPidfdOpen = 434;
    private const long SysPidfdGetfd = 438;

    public static int Open(int pid)
    {
        var fd = (int)Syscall(SysPidfdOpen, pid, 0, 0);
        return fd >= 0 ? fd : throw new InvalidOperationException($"pidfd_open({pid}) failed: {Errors.Describe(Marshal.GetLastPInvokeError())}");
    }

    public static int GetFd(int pidfd, int targetFd)
    {
        var fd = (int)Syscall(SysPidfdGetfd, pidfd, targetFd, 0);
        return fd >= 0 ? fd : throw new InvalidOperationException($"pidfd_getfd({targetFd}) failed: {Errors.Describe(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c);
}
