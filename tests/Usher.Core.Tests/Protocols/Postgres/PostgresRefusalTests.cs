using System.Buffers.Binary;
using System.Text;
using Usher.Protocols.Postgres;

namespace Usher.Core.Tests.Protocols.Postgres;

public sealed class PostgresRefusalTests
{
    [Fact]
    public void WritesTheErrorResponsePostgresqlSendsForARoleOverItsLimit()
    {
        var message = PostgresRefusal.TooManyConnections("alice");

        // 'E', Int32 length (itself included), then fields (type byte, C string), then a NUL.
        var expected = Encoding.ASCII.GetBytes("SFATAL\0VFATAL\0C53300\0Mtoo many connections for role \"alice\"\0\0");
        Assert.Equal((byte)'E', message[0]);
        Assert.Equal(message.Length - 1, BinaryPrimitives.ReadInt32BigEndian(message.AsSpan(1)));
        Assert.Equal(expected, message[5..]);
    }

    [Fact]
    public void WritesTheUserAsIsButCutTo63BytesOnACharacterBoundary()
    {
        var user = new string('r', 62) + "\u00e9tail";

        var message = PostgresRefusal.TooManyConnections(user);
        var text = Encoding.UTF8.GetString(message.AsSpan(5));

        Assert.Contains("role \"" + new string('r', 62) + "\"\0", text, StringComparison.Ordinal);
        Assert.Contains("role \"a\\\"b\"", Encoding.UTF8.GetString(PostgresRefusal.TooManyConnections("a\\\"b")), StringComparison.Ordinal);
    }

    [Fact]
    public void StopsTheUserAtANulSoTheMessageStaysWellFormed()
    {
        var message = PostgresRefusal.TooManyConnections("bob\0evil");

        Assert.EndsWith("role \"bob\"\0\0", Encoding.ASCII.GetString(message), StringComparison.Ordinal);
        Assert.Equal(2, message.AsSpan(message.Length - 2).Count((byte)0));
    }
}
