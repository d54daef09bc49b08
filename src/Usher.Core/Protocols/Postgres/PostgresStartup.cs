namespace Usher.Protocols.Postgres;

/// <summary>What <see cref="PostgresStartupReader.ReadStartup"/> made of a PostgreSQL connection's first bytes.</summary>
/// <param name="Status">What to do next, as for <see cref="HandshakeResult"/>.</param>
/// <param name="User">The <c>user</c> parameter when <see cref="HandshakeStatus.Identified"/>, clipped to the 63
/// bytes PostgreSQL keeps of a name.</param>
/// <param name="Database">The database the session will use: the <c>database</c> parameter, or the user when the
/// client sent none (PostgreSQL's own default), clipped the same way.</param>
/// <param name="Consumed">Bytes answered by the gateway (an SSLRequest or GSSENCRequest declined).</param>
/// <param name="Reply">The answer to send for <see cref="HandshakeStatus.Reply"/>: <c>N</c>.</param>
/// <param name="Problem">Why the input is invalid.</param>
/// <param name="ProtocolMinor">The minor protocol version of a StartupMessage (3.0 → 0, 3.2 → 2).</param>
public readonly record struct PostgresStartup(
    HandshakeStatus Status,
    string? User = null,
    string? Database = null,
    int Consumed = 0,
    ReadOnlyMemory<byte> Reply = default,
    string? Problem = null,
    int ProtocolMinor = 0)
{
    /// <summary>The same answer as a <see cref="HandshakeResult"/>, identity = <see cref="User"/>.</summary>
    public HandshakeResult ToHandshakeResult() => new(Status, User, Consumed, Reply, Problem);
}
