using System.Buffers.Binary;
using Usher.Core.Tests.Protocols.Support;
using Usher.Protocols;
using Usher.Protocols.Postgres;

namespace Usher.Core.Tests.Protocols.Postgres;

public sealed class PostgresStartupReaderTests
{
    private const int V30 = 196608;

    private static readonly PostgresStartupReader Reader = new();

    [Fact]
    public void ReadsTheUserAndDatabasePsqlSends()
    {
        var startup = Reader.ReadStartup(Captured.PsqlStartup);

        Assert.Equal(new PostgresStartup(HandshakeStatus.Identified, "alice", "sales"), startup);
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "alice"), Reader.Read(Captured.PsqlStartup));
    }

    [Fact]
    public void DeclinesTheSslRequestPsqlSendsThenReadsItsStartup()
    {
        var input = Captured.PsqlSslRequestThenStartup;

        var first = Reader.Read(input);
        var second = Reader.Read(input.AsSpan(first.Consumed));

        Assert.Equal(HandshakeStatus.Reply, first.Status);
        Assert.Equal(8, first.Consumed);
        Assert.Equal("N"u8.ToArray(), first.Reply.ToArray());
        Assert.Equal(new HandshakeResult(HandshakeStatus.Identified, "alice"), second);
    }

    [Fact]
    public void DeclinesAGssencRequestEvenWhenTheListenerAnswersSslItself()
    {
        var tlsListener = new PostgresStartupReader(answerSslRequest: false);

        Assert.Equal(HandshakeStatus.Reply, tlsListener.Read(StartupMessages.GssEncRequest).Status);
        Assert.Equal(HandshakeStatus.Invalid, tlsListener.Read(StartupMessages.SslRequest).Status);
        Assert.Equal("alice", tlsListener.Read(Captured.PsqlStartup).Identity);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    [InlineData(256)]
    public void PassesACancelRequestThroughOnceWhole(int keyLength)
    {
        var cancel = StartupMessages.CancelRequest(keyLength);

        Assert.Equal(HandshakeResult.NeedMore, Reader.Read(cancel.AsSpan(0, cancel.Length - 1)));
        Assert.Equal(new HandshakeResult(HandshakeStatus.Passthrough), Reader.Read(cancel));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    public void RefusesACancelRequestFollowedByAnyByteAsTheAttackThatRidesOnIt(int keyLength)
    {
        var cancel = StartupMessages.CancelRequest(keyLength);

        foreach (var after in new[] { [0], Captured.PsqlStartup, StartupMessages.CancelRequest(keyLength) })
        {
            var result = Reader.Read(Bytes.Concat(cancel, after));

            Assert.Equal(HandshakeStatus.Invalid, result.Status);
            Assert.Equal(PostgresStartupReader.BytesAfterCancel, result.Problem);
        }
    }

    [Fact]
    public void RefusesACancelRequestWithAKeyOutOfBounds()
    {
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.CancelRequest(3)).Status);
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.CancelRequest(257)).Status);
    }

    [Fact]
    public void UsesTheUserAsDatabaseWhenNoneIsSentAndKeepsTheMinorVersion()
    {
        var startup = Reader.ReadStartup(StartupMessages.Startup(V30 + 2, "user", "bob", "options", "-c geqo=off"));

        Assert.Equal(new PostgresStartup(HandshakeStatus.Identified, "bob", "bob", ProtocolMinor: 2), startup);
    }

    [Fact]
    public void TakesTheLastValueOfARepeatedParameterAsTheServerDoes()
    {
        Assert.Equal("carol", Reader.Read(StartupMessages.Startup(V30, "user", "alice", "user", "carol")).Identity);
    }

    [Fact]
    public void CutsLongNamesToThe63BytesPostgresqlKeeps()
    {
        var name = new string('r', 60) + "\u00e9\u00e9tail-that-varies";
        var startup = Reader.ReadStartup(StartupMessages.Startup(V30, "user", name, "database", name + "x"));

        Assert.Equal(new string('r', 60) + "\u00e9", startup.User);
        Assert.Equal(startup.User, startup.Database);
    }

    [Theory]
    [InlineData("database", "sales")]
    [InlineData("user", "")]
    public void RefusesAStartupWithoutAUser(params string[] pairs)
    {
        Assert.Equal(HandshakeResult.Invalid("no user in StartupMessage"), Reader.Read(StartupMessages.Startup(V30, pairs)));
    }

    [Fact]
    public void RefusesProtocol2AndUnknownCodes()
    {
        Assert.Equal(HandshakeResult.Invalid("protocol 2 and older are not supported"), Reader.Read(StartupMessages.Startup(0x20000, "user", "alice")));
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.Startup(0x40000, "user", "alice")).Status);
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.Message(80877199, [])).Status);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(10_001)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void RefusesLengthsOutside8To10000(int length)
    {
        var message = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(message, length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), V30);

        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(message).Status);
    }

    [Fact]
    public void AcceptsAStartupOfExactly10000Bytes()
    {
        var pad = new string('p', 10_000 - 8 - "user\0alice\0application_name\0".Length - 2);
        var message = StartupMessages.Startup(V30, "user", "alice", "application_name", pad);

        Assert.Equal(10_000, message.Length);
        Assert.Equal("alice", Reader.Read(message).Identity);
    }

    [Theory]
    [InlineData("0000000D00030000757365720000")]
    [InlineData("0000000E0003000075736572006100")]
    [InlineData("0000000F000300007573657200610000")]
    [InlineData("0000000F00030000757365720061000001")]
    [InlineData("00000008000300")]
    public void RefusesAParameterLayoutTheServerWouldRefuse(string hex)
    {
        var input = Convert.FromHexString(hex);

        Assert.NotEqual(HandshakeStatus.Identified, Reader.Read(input).Status);
    }

    [Fact]
    public void RefusesTlsSentWithoutAnSslRequest()
    {
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(Captured.CurlClientHello).Status);
    }

    [Fact]
    public void RefusesUserNamesWithControlCharactersOrBadUtf8()
    {
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.Startup(V30, "user", "al\nice")).Status);
        Assert.Equal(HandshakeStatus.Invalid, Reader.Read(StartupMessages.Message(V30, Bytes.Concat(Bytes.Ascii("user\0"), [0xC3, 0x28, 0, 0]))).Status);
    }

    [Fact]
    public void NeedsMoreAtEverySplitPointThenReadsTheSame()
    {
        foreach (var message in new[] { Captured.PsqlStartup, StartupMessages.SslRequest, StartupMessages.CancelRequest() })
        {
            var whole = Reader.Read(message);
            for (var i = 0; i < message.Length; i++)
            {
                Assert.Equal(HandshakeResult.NeedMore, Reader.Read(message.AsSpan(0, i)));
            }

            var followed = Reader.Read(Bytes.Concat(message, Captured.PsqlStartup));
            if (whole.Status == HandshakeStatus.Passthrough)
            {
                Assert.Equal(HandshakeStatus.Invalid, followed.Status);
            }
            else
            {
                Assert.Equal(whole, followed);
            }
        }
    }
}
