using System.Buffers.Binary;

namespace Usher.Protocols.Postgres;

/// <summary>Reads the first message of a PostgreSQL connection (protocol 3, "Message Formats" of the PostgreSQL
/// documentation): a StartupMessage gives the <c>user</c> (the identity) and <c>database</c>; an SSLRequest or
/// GSSENCRequest is declined with <c>N</c> (the client then goes on in plain text); a CancelRequest is passed through
/// uncounted (the server closes such a connection after reading it), and only the CancelRequest: a byte after it
/// makes the handshake invalid (16 bytes in protocol 3.0; 3.2's longer keys up to 268). Lengths follow the server's own bounds: 8 to
/// 10,000 bytes for a startup packet.</summary>
public sealed class PostgresStartupReader : IHandshakeReader
{
    /// <summary>The longest startup packet PostgreSQL accepts (MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxStartupLength = 10_000;

    /// <summary>The bytes PostgreSQL keeps of a name (NAMEDATALEN − 1); longer user and database names are cut, so
    /// the identity is cut the same way (else one role could hold unlimited sessions by varying a long tail).</summary>
    public const int MaxNameBytes = 63;

    internal const int SslRequestCode = 80877103;
    internal const int GssEncRequestCode = 80877104;
    internal const int CancelRequestCode = 80877102;
    private const int MinCancelLength = 16;
    private const int MaxCancelLength = 12 + 256;

    /// <summary>The problem logged (9650) when a client sends anything after its CancelRequest.</summary>
    public const string BytesAfterCancel = "bytes after CancelRequest (a cancel is one message, then the connection ends)";

    private static readonly byte[] Decline = [(byte)'N'];

    private readonly bool answerSslRequest;

    /// <summary>A reader.</summary>
    /// <param name="answerSslRequest">True (plain listeners): answer an SSLRequest <c>N</c>. False: the listener
    /// terminates TLS and answers SSLRequest itself before the reader runs, so one reaching the reader is
    /// invalid. A GSSENCRequest is always declined: the gateway never does GSSAPI encryption.</param>
    public PostgresStartupReader(bool answerSslRequest = true) => this.answerSslRequest = answerSslRequest;

    /// <inheritdoc />
    /// <remarks>Allocates the user name only.</remarks>
    public HandshakeResult Read(ReadOnlySpan<byte> received)
    {
        var scan = Scan(received);
        if (scan.Result.Status != HandshakeStatus.Identified)
        {
            return scan.Result;
        }

        return scan.Result with { Identity = IdentityText.Decode(received.Slice(scan.UserStart, scan.UserLength), false) };
    }

    /// <summary>Reads the first message and returns both the user and the database.</summary>
    /// <remarks>Allocates the user and database names.</remarks>
    public PostgresStartup ReadStartup(ReadOnlySpan<byte> received)
    {
        var scan = Scan(received);
        var result = scan.Result;
        if (result.Status != HandshakeStatus.Identified)
        {
            return new PostgresStartup(result.Status, Consumed: result.Consumed, Reply: result.Reply, Problem: result.Problem);
        }

        var user = IdentityText.Decode(received.Slice(scan.UserStart, scan.UserLength), false);
        var database = scan.DatabaseStart < 0
            ? user
            : IdentityText.Decode(received.Slice(scan.DatabaseStart, scan.DatabaseLength), false);
        return new PostgresStartup(HandshakeStatus.Identified, user, database, ProtocolMinor: scan.Minor);
    }

    private PostgresScan Scan(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return default;
        }

        if (received[0] == 0x16)
        {
            return PostgresScan.Invalid("TLS without SSLRequest (direct SSL) needs a listener that terminates TLS");
        }

        // Lengths are at most 10,000: the first byte of a valid length is always 0.
        if (received[0] != 0)
        {
            return PostgresScan.Invalid("invalid startup packet length");
        }

        if (received.Length < 4)
        {
            return default;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(received);
        if (length is < 8 or > MaxStartupLength)
        {
            return PostgresScan.Invalid("invalid startup packet length");
        }

        if (received.Length < 8)
        {
            return default;
        }

        var code = BinaryPrimitives.ReadInt32BigEndian(received[4..]);
        switch (code)
        {
            case SslRequestCode or GssEncRequestCode:
                if (length != 8)
                {
                    return PostgresScan.Invalid("invalid encryption request length");
                }

                return code == SslRequestCode && !answerSslRequest
                    ? PostgresScan.Invalid("SSLRequest reached a listener that answers it before the reader")
                    : new PostgresScan(new HandshakeResult(HandshakeStatus.Reply, Consumed: 8, Reply: Decline));
            case CancelRequestCode:
                if (length is < MinCancelLength or > MaxCancelLength)
                {
                    return PostgresScan.Invalid("invalid CancelRequest length");
                }

                if (received.Length > length)
                {
                    // The server reads the request and closes; anything after it is no part of a cancel.
                    return PostgresScan.Invalid(BytesAfterCancel);
                }

                return received.Length < length ? default : new PostgresScan(new HandshakeResult(HandshakeStatus.Passthrough));
        }

        var major = code >>> 16;
        if (major != 3)
        {
            return PostgresScan.Invalid(major < 3 ? "protocol 2 and older are not supported" : "unsupported protocol version or request code");
        }

        return received.Length < length ? default : Parameters(received[..length], code & 0xFFFF);
    }

    /// <summary>The parameters of a whole StartupMessage: name/value pairs of NUL-terminated strings, then a NUL
    /// as the last byte. A repeated name takes its last value, as the server does.</summary>
    private static PostgresScan Parameters(ReadOnlySpan<byte> message, int minor)
    {
        const string Layout = "invalid startup packet layout";
        if (message[^1] != 0)
        {
            return PostgresScan.Invalid(Layout);
        }

        var scan = new PostgresScan(new HandshakeResult(HandshakeStatus.Identified)) { Minor = minor };
        var offset = 8;
        while (true)
        {
            var nameLength = message[offset..].IndexOf((byte)0);
            if (nameLength == 0)
            {
                if (offset != message.Length - 1)
                {
                    return PostgresScan.Invalid(Layout);
                }

                break;
            }

            var valueStart = offset + nameLength + 1;
            var valueLength = valueStart < message.Length ? message[valueStart..].IndexOf((byte)0) : -1;
            if (valueLength < 0)
            {
                return PostgresScan.Invalid(Layout);
            }

            var name = message.Slice(offset, nameLength);
            if (name.SequenceEqual("user"u8))
            {
                scan.UserStart = valueStart;
                scan.UserLength = valueLength;
            }
            else if (name.SequenceEqual("database"u8))
            {
                scan.DatabaseStart = valueStart;
                scan.DatabaseLength = valueLength;
            }

            offset = valueStart + valueLength + 1;
        }

        if (scan.UserLength == 0)
        {
            return PostgresScan.Invalid("no user in StartupMessage");
        }

        var user = IdentityText.Clip(message.Slice(scan.UserStart, scan.UserLength), MaxNameBytes);
        var error = IdentityText.Check(user);
        if (error != IdentityTextError.None)
        {
            return PostgresScan.Invalid(IdentityText.Problem("user", error));
        }

        scan.UserLength = user.Length;
        if (scan.DatabaseLength == 0)
        {
            scan.DatabaseStart = -1;
        }
        else
        {
            var database = IdentityText.Clip(message.Slice(scan.DatabaseStart, scan.DatabaseLength), MaxNameBytes);
            error = IdentityText.Check(database);
            if (error != IdentityTextError.None)
            {
                return PostgresScan.Invalid(IdentityText.Problem("database", error));
            }

            scan.DatabaseLength = database.Length;
        }

        return scan;
    }
}
