using System.Buffers.Binary;
using System.Text;
using Usher.Protocols;
using Usher.Protocols.Postgres;

namespace Usher.Protocols.Postgres;

/// <summary>The refusal a PostgreSQL client understands: the ErrorResponse the server itself sends when a role is
/// over its connection limit (SQLSTATE 53300, too_many_connections). libpq prints
/// <c>FATAL:  too many connections for role "alice"</c>.</summary>
public static class PostgresRefusal
{
    /// <summary>SQLSTATE too_many_connections.</summary>
    public const string SqlState = "53300";

    /// <summary>An ErrorResponse ('E'; fields S and V <c>FATAL</c>, C <c>53300</c>, M
    /// <c>too many connections for role "user"</c>; a NUL after the last field). The user is written as is (no
    /// escaping), cut to the 63 bytes PostgreSQL keeps of a name, and at its first NUL if it has one.</summary>
    public static byte[] TooManyConnections(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var nul = user.IndexOf('\0', StringComparison.Ordinal);
        var name = nul < 0 ? user : user[..nul];
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(PostgresStartupReader.MaxNameBytes)];
        var clipped = Clip(name, utf8);

        ReadOnlySpan<byte> head = "SFATAL\0VFATAL\0C53300\0Mtoo many connections for role \""u8;
        ReadOnlySpan<byte> tail = "\"\0\0"u8;
        var length = 4 + head.Length + clipped.Length + tail.Length;
        var message = new byte[1 + length];
        message[0] = (byte)'E';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), length);
        head.CopyTo(message.AsSpan(5));
        clipped.CopyTo(message.AsSpan(5 + head.Length));
        tail.CopyTo(message.AsSpan(5 + head.Length + clipped.Length));
        return message;
    }

    private static ReadOnlySpan<byte> Clip(string name, Span<byte> buffer)
    {
        // Encode at most as many characters as can give 63 bytes, then cut at a character boundary.
        var chars = name.AsSpan(0, Math.Min(name.Length, PostgresStartupReader.MaxNameBytes));
        var written = Encoding.UTF8.GetBytes(chars, buffer);
        return IdentityText.Clip(buffer[..written], PostgresStartupReader.MaxNameBytes);
    }
}
