using Usher.Identity;
using Usher.Ledger;

namespace Usher.Protocols.Postgres;

/// <summary>PostgreSQL: the StartupMessage's user; SSLRequest answered 'N' (on a listener that terminates TLS the
/// session answers it 'S' before the reader runs, and one inside TLS is invalid); CancelRequest relayed uncounted (and nothing after it); refused
/// with FATAL 53300 "too many connections for role".</summary>
public sealed class PostgresProtocol(bool answerSslRequest = true) : IHandshakeProtocol
{
    private readonly PostgresStartupReader _reader = new(answerSslRequest);

    public string KindName => nameof(IdentityKind.PostgresUser);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        PostgresRefusal.TooManyConnections(_reader.ReadStartup(received).User ?? identity);
}
