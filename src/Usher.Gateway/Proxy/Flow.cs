namespace Usher.Gateway.Proxy;

/// <summary>One direction of a session: the pipe its bytes pass through (rented only while data flows) and whether
/// its source has ended.</summary>
internal struct Flow
{
    public int PipeRead;
    public int PipeWrite;
    public int Pending;
    public bool SourceEnded;

    /// <summary>The source's end (FIN) has been passed on to the destination (shutdown SHUT_WR): this direction is
    /// over, the other one may go on.</summary>
    public bool Finished;

    /// <summary>The last read filled its buffer: move this direction with splice until a read comes back short.</summary>
    public bool Bulk;

    public readonly bool HasPipe => PipeRead > 0;

    public static Flow Empty => new() { PipeRead = -1, PipeWrite = -1 };
}
