using System.Net.Sockets;
using Usher.Configuration;
using Usher.Gateway.Native;

namespace Usher.Gateway.Sockets;

/// <summary>Every socket option the gateway sets, in one place: keepalive, TCP_USER_TIMEOUT and NoDelay, the same
/// on the client and the backend socket. Set on a listening socket, Linux copies them to every accepted socket, so
/// the client side costs no system call per connection; a backend socket gets NoDelay at once and the rest once it
/// outlives <see cref="LivenessDelay"/>.</summary>
public static class SocketTuning
{
    /// <summary>Applies the listener's liveness settings to a socket (listening, connecting or connected).</summary>
    /// <returns>0, or the errno of the first option the kernel refused.</returns>
    public static int Apply(int fd, KeepaliveSettings keepalive, TimeSpan userTimeout) =>
        SetNoDelay(fd) != 0 ? Libc.Errno : ApplyLiveness(fd, keepalive, userTimeout);

    /// <summary>Sets TCP_NODELAY: small messages go out at once. A backend socket gets it when created, the rest of
    /// <see cref="Apply"/> only once it outlives <see cref="LivenessDelay"/>.</summary>
    public static int SetNoDelay(int fd) => Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);

    /// <summary>Applies keepalive and TCP_USER_TIMEOUT (what finds a vanished peer), without TCP_NODELAY.</summary>
    /// <returns>0, or the errno of the first option the kernel refused.</returns>
    public static int ApplyLiveness(int fd, KeepaliveSettings keepalive, TimeSpan userTimeout)
    {
        ArgumentNullException.ThrowIfNull(keepalive);
        if (Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE, 1) != 0
            || SetKeepalive(fd, keepalive.Idle, keepalive.Interval, keepalive.Count) != 0
            || (userTimeout > TimeSpan.Zero && SetUserTimeout(fd, userTimeout) != 0))
        {
            return Libc.Errno;
        }

        return 0;
    }

    /// <summary>How long a backend socket lives before its keepalive and user timeout are set: a second, or the
    /// keepalive's idle time or the user timeout when shorter. Neither can find a peer dead sooner than that, so a
    /// connection that ends within it (most of a churn's) never needed them, and saves their five system calls;
    /// one that lives on gets them as if set at the start, give or take that delay.</summary>
    public static TimeSpan LivenessDelay(KeepaliveSettings keepalive, TimeSpan userTimeout)
    {
        ArgumentNullException.ThrowIfNull(keepalive);
        var delay = keepalive.Idle < MaxLivenessDelay ? keepalive.Idle : MaxLivenessDelay;
        return userTimeout > TimeSpan.Zero && userTimeout < delay ? userTimeout : delay;
    }

    private static readonly TimeSpan MaxLivenessDelay = TimeSpan.FromSeconds(1);

    /// <summary>Applies the settings again to a socket that holds others (a listening socket on reload): as
    /// <see cref="Apply"/>, and a zero user timeout puts the kernel's default back.</summary>
    /// <returns>0, or the errno of the first option the kernel refused.</returns>
    public static int Reapply(int fd, KeepaliveSettings keepalive, TimeSpan userTimeout)
    {
        if (Apply(fd, keepalive, userTimeout) is var error and not 0)
        {
            return error;
        }

        return userTimeout > TimeSpan.Zero || SetUserTimeout(fd, TimeSpan.Zero) == 0 ? 0 : Libc.Errno;
    }

    /// <summary>Sets the keepalive timers (whole seconds, at least 1).</summary>
    public static int SetKeepalive(int fd, TimeSpan idle, TimeSpan interval, int count) =>
        Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPINTVL, Seconds(interval)) != 0
        || Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPCNT, count) != 0
        || Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPIDLE, Seconds(idle)) != 0
            ? -1
            : 0;

    /// <summary>Sets TCP_USER_TIMEOUT: how long sent data (or keepalive probes) may go unanswered.</summary>
    public static int SetUserTimeout(int fd, TimeSpan timeout) =>
        Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_USER_TIMEOUT, (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));

    /// <summary>Reads back what the kernel holds for a socket (for tests and diagnostics).</summary>
    public static SocketLiveness Read(int fd) => new(
        Libc.GetInt(fd, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE) > 0,
        TimeSpan.FromSeconds(Libc.GetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPIDLE)),
        TimeSpan.FromSeconds(Libc.GetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPINTVL)),
        Libc.GetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPCNT),
        TimeSpan.FromMilliseconds(Libc.GetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_USER_TIMEOUT)),
        Libc.GetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY) > 0);

    /// <summary>Reads back what the kernel holds for a .NET socket.</summary>
    public static SocketLiveness Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Read((int)socket.Handle);
    }

    private static int Seconds(TimeSpan value) => Math.Max(1, (int)Math.Ceiling(value.TotalSeconds));
}

/// <summary>The liveness options the kernel holds for one socket.</summary>
public readonly record struct SocketLiveness(
    bool KeepaliveEnabled, TimeSpan Idle, TimeSpan Interval, int Count, TimeSpan UserTimeout, bool NoDelay);
