using System.Buffers.Binary;
using System.Text;
using Usher.Gateway.Tls;
using Usher.Testing;

namespace Usher.Gateway.Tests.Tls;

/// <summary>What a PostgreSQL client's first bytes on a TLS listener are, and the clear-text refusal of a
/// StartupMessage without TLS.</summary>
public sealed class PostgresOpeningTests
{
    [Fact]
    public void An_SSLRequest_a_GSSENCRequest_and_a_ClientHello_are_told_apart_from_other_messages()
    {
        Assert.Equal(PostgresOpeningKind.SslRequest, PostgresOpening.Read([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]));
        Assert.Equal(PostgresOpeningKind.GssEncRequest, PostgresOpening.Read([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30]));
        Assert.Equal(PostgresOpeningKind.DirectTls, PostgresOpening.Read([0x16, 0x03, 0x01]));
        Assert.Equal(PostgresOpeningKind.Other, PostgresOpening.Read(PostgresWire.StartupMessage("alice")));
        Assert.Equal(PostgresOpeningKind.Other, PostgresOpening.Read(PostgresWire.CancelRequest()));
        Assert.Equal(PostgresOpeningKind.NeedMore, PostgresOpening.Read([0, 0, 0, 8, 0x04]));
        Assert.Equal(PostgresOpeningKind.NeedMore, PostgresOpening.Read([]));
    }

    [Fact]
    public void A_StartupMessage_in_clear_is_refused_with_the_ErrorResponse_of_hostssl_SQLSTATE_28000()
    {
        var message = PostgresOpening.NoEncryption("10.0.0.7", "alice", "shop");

        Assert.Equal((byte)'E', message[0]);
        Assert.Equal(message.Length - 1, BinaryPrimitives.ReadInt32BigEndian(message.AsSpan(1)));
        var fields = Encoding.UTF8.GetString(message, 5, message.Length - 5);
        Assert.Equal("SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host \"10.0.0.7\", user \"alice\", database \"shop\", no encryption\0\0", fields);
    }
}
