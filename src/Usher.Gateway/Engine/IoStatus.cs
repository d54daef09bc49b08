namespace Usher.Gateway.Engine;

/// <summary>What one I/O call did (<see cref="IoResult"/>).</summary>
internal enum IoStatus : byte
{
    /// <summary>Bytes moved.</summary>
    Moved,
    /// <summary>Nothing to read or no room to write now (EAGAIN): wait for the socket's next readiness.</summary>
    WouldBlock,
    /// <summary>The peer's stream ended (a read of 0, its FIN).</summary>
    EndOfStream,
    /// <summary>The call failed; the result carries the peer's end.</summary>
    Failed,
}
