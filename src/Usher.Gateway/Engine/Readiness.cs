namespace Usher.Gateway.Engine;

/// <summary>What the kernel reported ready on one socket, as a handler sees it (the reactor maps epoll's bits).</summary>
[Flags]
internal enum Readiness
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Bytes (or the end of the stream) can be read.</summary>
    Readable = 1,
    /// <summary>The socket takes bytes again (or a connect completed).</summary>
    Writable = 2,
    /// <summary>The peer shut its writing down (its FIN arrived); bytes before it may still be unread.</summary>
    PeerClosedWrite = 4,
    /// <summary>Both directions are over (or the connection was never made).</summary>
    Hangup = 8,
    /// <summary>The socket has a pending error (a reset, a timeout the kernel gave up on).</summary>
    Error = 16,

    /// <summary>The peer is gone, not merely finished sending: <see cref="Hangup"/> or <see cref="Error"/>.</summary>
    Gone = Hangup | Error,

    /// <summary>The stream is ending: <see cref="PeerClosedWrite"/>, <see cref="Hangup"/> or <see cref="Error"/>.</summary>
    Ending = PeerClosedWrite | Hangup | Error,
}
