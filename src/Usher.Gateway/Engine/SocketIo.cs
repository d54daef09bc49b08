using Usher.Gateway.Native;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Engine;

/// <summary>The data path's system calls as sessions see them: each answers an <see cref="IoResult"/>, never an errno.
/// EINTR is retried here; EAGAIN is <see cref="IoStatus.WouldBlock"/>; a read of 0 is
/// <see cref="IoStatus.EndOfStream"/>; any other error is <see cref="IoStatus.Failed"/> with the peer's end classified
/// (<see cref="PeerEndClassifier.FromErrno"/>). Static and allocation-free: the hot path pays no dispatch.</summary>
internal static unsafe class SocketIo
{
    private const uint SpliceFlags = Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK;
    private const int SendFlags = Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT;

    /// <summary>Reads what the socket holds, up to <paramref name="length"/> bytes.</summary>
    public static IoResult Recv(int fd, byte* buffer, int length) => Recv(fd, buffer, length, 0);

    /// <summary>Reads what the socket holds into <paramref name="buffer"/>.</summary>
    public static IoResult Recv(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Recv(fd, p, buffer.Length, 0);
        }
    }

    /// <summary>Copies what the socket holds without consuming it.</summary>
    public static IoResult Peek(int fd, byte* buffer, int length) => Recv(fd, buffer, length, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);

    /// <summary>Whether at least one byte waits unread on the socket (not its end, not an error).</summary>
    public static bool HasUnread(int fd)
    {
        byte next;
        return Peek(fd, &next, 1).Moved;
    }

    /// <summary>Sends what the socket takes now, never blocking, never raising SIGPIPE.</summary>
    public static IoResult Send(int fd, byte* buffer, int length)
    {
        while (true)
        {
            var sent = Libc.Send(fd, buffer, length, SendFlags);
            if (sent >= 0)
            {
                return IoResult.Of((int)sent);
            }

            if (Classify(fd) is { } failure)
            {
                return failure;
            }
        }
    }

    /// <summary>Sends what the socket takes of <paramref name="bytes"/> now.</summary>
    public static IoResult Send(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return Send(fd, p, bytes.Length);
        }
    }

    /// <summary>Moves up to <paramref name="length"/> bytes from a socket into a pipe, in the kernel.</summary>
    public static IoResult SpliceIn(int socket, int pipeWrite, int length) => Splice(socket, pipeWrite, length, socket);

    /// <summary>Moves up to <paramref name="length"/> bytes from a pipe into a socket, in the kernel. An empty pipe
    /// answers <see cref="IoStatus.EndOfStream"/>.</summary>
    public static IoResult SpliceOut(int pipeRead, int socket, int length) => Splice(pipeRead, socket, length, socket);

    private static IoResult Splice(int from, int to, int length, int socket)
    {
        while (true)
        {
            var moved = Libc.Splice(from, null, to, null, length, SpliceFlags);
            if (moved > 0)
            {
                return IoResult.Of((int)moved);
            }

            if (moved == 0)
            {
                return IoResult.Ended;
            }

            if (Classify(socket) is { } failure)
            {
                return failure;
            }
        }
    }

    /// <summary>Writes into a pipe (or any descriptor) what it takes now.</summary>
    public static IoResult Write(int fd, byte* buffer, int length)
    {
        while (true)
        {
            var written = Libc.Write(fd, buffer, length);
            if (written >= 0)
            {
                return IoResult.Of((int)written);
            }

            if (Classify(fd) is { } failure)
            {
                return failure;
            }
        }
    }

    /// <summary>Shuts the socket's writing down (sends its FIN).</summary>
    /// <returns><c>false</c> when the socket is already gone.</returns>
    public static bool ShutdownWrite(int fd) => Libc.Shutdown(fd, Libc.SHUT_WR) == 0;

    /// <summary>Closes a descriptor (which also takes it out of every epoll set).</summary>
    public static void Close(int fd) => Libc.Close(fd);

    /// <summary>Makes the next close of <paramref name="fd"/> reset the connection and free the socket at once (for a
    /// peer found dead, which would never acknowledge a FIN).</summary>
    public static void Abort(int fd) => Errors.Abort(fd);

    /// <summary>How a non-blocking connect ended: <c>null</c> when connected, else what went wrong, in words.</summary>
    public static string? ConnectProblem(int fd) =>
        Libc.GetInt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR) is var error and not 0 ? Errors.Describe(error) : null;

    private static IoResult Recv(int fd, byte* buffer, int length, int flags)
    {
        while (true)
        {
            var read = Libc.Recv(fd, buffer, length, flags);
            if (read > 0)
            {
                return IoResult.Of((int)read);
            }

            if (read == 0)
            {
                return length == 0 ? IoResult.Of(0) : IoResult.Ended;
            }

            if (Classify(fd) is { } failure)
            {
                return failure;
            }
        }
    }

    /// <summary>The result of a failed call from errno; <c>null</c> for EINTR (call again).</summary>
    private static IoResult? Classify(int fd)
    {
        var errno = Libc.Errno;
        return errno switch
        {
            Libc.EINTR => null,
            Libc.EAGAIN => IoResult.Blocked,
            _ => IoResult.Fail(PeerEndClassifier.FromErrno(errno, fd), errno),
        };
    }
}
