using System.Runtime.InteropServices;

namespace Usher.Gateway.Audit;

/// <summary>The kernel refused socket diagnostics: netlink is not allowed here (a sandbox, a seccomp filter) or the
/// request failed.</summary>
public sealed class SockDiagException : Exception
{
    public SockDiagException()
    {
    }

    public SockDiagException(string message)
        : base(message)
    {
    }

    public SockDiagException(string message, Exception inner)
        : base(message, inner)
    {
    }

    internal SockDiagException(string call, int errno)
        : base($"{call}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Errno = errno;
    }

    /// <summary>The errno the kernel answered with.</summary>
    public int Errno { get; }
}
