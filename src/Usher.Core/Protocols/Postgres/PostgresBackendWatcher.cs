using System.Buffers.Binary;
using Usher.Protocols.Confirmation;

namespace Usher.Protocols.Postgres;

/// <summary>Reads a PostgreSQL server's messages after the StartupMessage for AuthenticationOk ('R' with code 0):
/// the password, MD5 and SASL (SCRAM-SHA-256) exchanges ('R' with any other code), NegotiateProtocolVersion ('v') and
/// NoticeResponse ('N') pass to the client; AuthenticationOk confirms; an ErrorResponse ('E', a wrong password, an
/// unknown role, no pg_hba.conf entry) or any other message rejects. Messages are passed as their bytes arrive: only
/// a header (type, length and the authentication code) is ever waited for whole.</summary>
public sealed class PostgresBackendWatcher : IBackendWatcher
{
    private const int Header = 5;
    private const int AuthenticationHeader = Header + 4;
    private const int AuthenticationOkLength = 8;

    private MessageRemainder _remainder;

    /// <inheritdoc />
    public BackendWatch Watch(ReadOnlySpan<byte> unpassed)
    {
        var passed = 0;
        while (true)
        {
            if (!_remainder.Pass(ref passed, unpassed.Length) || unpassed.Length - passed < Header)
            {
                return BackendWatch.Pending(passed);
            }

            var rest = unpassed[passed..];

            var length = BinaryPrimitives.ReadInt32BigEndian(rest[1..]);
            if (length < 4)
            {
                return BackendWatch.Rejected(unpassed.Length);
            }

            switch (rest[0])
            {
                case (byte)'R' when rest.Length < AuthenticationHeader:
                    return BackendWatch.Pending(passed);
                case (byte)'R' when BinaryPrimitives.ReadInt32BigEndian(rest[Header..]) == 0:
                    return length == AuthenticationOkLength ? BackendWatch.Confirmed(passed) : BackendWatch.Rejected(unpassed.Length);
                case (byte)'R' or (byte)'v' or (byte)'N':
                    _remainder.Begin(1 + length);
                    continue;
                default:
                    return BackendWatch.Rejected(unpassed.Length);
            }
        }
    }
}
