using System.Buffers.Binary;
using System.Text;

namespace Usher.Gateway.Tls;

/// <summary>How a PostgreSQL client opens a connection to a listener that terminates TLS, read from its first bytes
/// in clear: an SSLRequest (answered <c>S</c>, then TLS), PostgreSQL 17's direct TLS (a ClientHello at once, record
/// type 0x16), a GSSENCRequest (declined <c>N</c>; the client goes on), or another message, left to the startup
/// reader (a CancelRequest passed through, a StartupMessage refused in clear).</summary>
internal static class PostgresOpening
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;

    /// <summary>The answer to an SSLRequest that accepts it.</summary>
    public static ReadOnlySpan<byte> Accept => "S"u8;

    /// <summary>The answer to a GSSENCRequest: declined, as PostgreSQL does without GSSAPI.</summary>
    public static ReadOnlySpan<byte> Decline => "N"u8;

    /// <summary>The length of an SSLRequest or GSSENCRequest.</summary>
    public const int RequestLength = 8;

    /// <summary>What the first bytes say.</summary>
    public static PostgresOpeningKind Read(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return PostgresOpeningKind.NeedMore;
        }

        if (received[0] == 0x16)
        {
            return PostgresOpeningKind.DirectTls;
        }

        if (received.Length < RequestLength)
        {
            return PostgresOpeningKind.NeedMore;
        }

        if (BinaryPrimitives.ReadInt32BigEndian(received) != RequestLength)
        {
            return PostgresOpeningKind.Other;
        }

        return BinaryPrimitives.ReadInt32BigEndian(received[4..]) switch
        {
            SslRequestCode => PostgresOpeningKind.SslRequest,
            GssEncRequestCode => PostgresOpeningKind.GssEncRequest,
            _ => PostgresOpeningKind.Other,
        };
    }

    /// <summary>The ErrorResponse PostgreSQL sends a client that starts without TLS where <c>hostssl</c> alone allows it
    /// in (SQLSTATE 28000, invalid_authorization_specification); libpq prints
    /// <c>FATAL:  no pg_hba.conf entry for host "…", user "…", database "…", no encryption</c>.</summary>
    public static byte[] NoEncryption(string host, string user, string database)
    {
        var text = $"SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", no encryption\0\0";
        var body = Encoding.UTF8.GetBytes(text);
        var message = new byte[5 + body.Length];
        message[0] = (byte)'E';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + body.Length);
        body.CopyTo(message.AsSpan(5));
        return message;
    }
}
