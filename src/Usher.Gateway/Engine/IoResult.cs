using Usher.Gateway.Sockets;

namespace Usher.Gateway.Engine;

/// <summary>How one read, write or splice went (as YARP's StreamCopyResult): bytes moved, nothing to move now, the
/// stream's end, or a failure with the peer's end already classified. The errno is kept for logs only.</summary>
internal readonly struct IoResult
{
    private IoResult(IoStatus status, int count, PeerEnd end, int errno)
    {
        Status = status;
        Count = count;
        End = end;
        Errno = errno;
    }

    /// <summary>What happened.</summary>
    public IoStatus Status { get; }

    /// <summary>Bytes moved, when <see cref="Status"/> is <see cref="IoStatus.Moved"/>.</summary>
    public int Count { get; }

    /// <summary>How the peer ended, when <see cref="Status"/> is <see cref="IoStatus.Failed"/>.</summary>
    public PeerEnd End { get; }

    /// <summary>The system's error number behind a failure, for logs; nothing decides on it.</summary>
    public int Errno { get; }

    /// <summary>Whether bytes moved.</summary>
    public bool Moved => Status == IoStatus.Moved;

    /// <summary>Whether the socket had nothing to give or no room to take: wait for its next readiness.</summary>
    public bool WouldBlock => Status == IoStatus.WouldBlock;

    /// <summary>Whether the peer's stream ended (a read of 0).</summary>
    public bool EndOfStream => Status == IoStatus.EndOfStream;

    /// <summary>Whether the call failed; <see cref="End"/> says how the peer ended.</summary>
    public bool Failed => Status == IoStatus.Failed;

    /// <summary>The block of a would-block result.</summary>
    public static IoResult Blocked => new(IoStatus.WouldBlock, 0, default, 0);

    /// <summary>The end of the stream.</summary>
    public static IoResult Ended => new(IoStatus.EndOfStream, 0, default, 0);

    /// <summary>Bytes moved.</summary>
    public static IoResult Of(int count) => new(IoStatus.Moved, count, default, 0);

    /// <summary>A failure.</summary>
    public static IoResult Fail(PeerEnd end, int errno) => new(IoStatus.Failed, 0, end, errno);
}
