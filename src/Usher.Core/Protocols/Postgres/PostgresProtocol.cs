using Usher.Identity;
using Usher.Ledger;

namespace Usher.Protocols.Postgres;

/// <summary>PostgreSQL: the StartupMessage's user; SSLRequest answered 'N'; CancelRequest relayed uncounted (and nothing after it); refused
/// with FATAL 53300 "too many connections for role".</summary>
public sealed class PostgresProtocol : IHandshakeProtocol
{
    private readonly PostgresStartupReader _reader = new(answerSslRequest: true);

    public string KindName => nameof(IdentityKind.PostgresUser);

    public HandshakeResult Read(ReadOnlySpan<byte> received) => _reader.Read(received);

    public ReadOnlyMemory<byte> Refusal(ReadOnlySpan<byte> received, string identity, Admission refusal) =>
        PostgresRefusal.TooManyConnections(_reader.ReadStartup(received).User ?? identity);
}
