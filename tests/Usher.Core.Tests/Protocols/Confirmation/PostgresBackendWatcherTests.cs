using System.Buffers.Binary;
using System.Text;
using Usher.Protocols.Confirmation;
using Usher.Protocols.Postgres;

namespace Usher.Core.Tests.Protocols.Confirmation;

public sealed class PostgresBackendWatcherTests
{
    private static readonly byte[] Ok = Message('R', Code(0));
    private static readonly byte[] AfterOk =
    [
        .. Message('S', Encoding.ASCII.GetBytes("server_version\u000015.4\u0000")),
        .. Message('K', new byte[8]),
        .. Message('Z', "I"u8.ToArray()),
    ];

    [Fact]
    public void TrustAuthenticationIsConfirmedAtTheFirstByte()
    {
        byte[] stream = [.. Ok, .. AfterOk];

        WatcherFeed.EveryPieceSize(() => new PostgresBackendWatcher(), stream, BackendVerdict.Confirmed, passed: 0);
    }

    [Fact]
    public void AScramExchangePassesWholeAndAuthenticationOkIsHeld()
    {
        byte[] sasl = [.. Message('R', [.. Code(10), .. "SCRAM-SHA-256\0\0"u8])];
        byte[] saslContinue = Message('R', [.. Code(11), .. "r=abc,s=c2FsdA==,i=4096"u8]);
        byte[] saslFinal = Message('R', [.. Code(12), .. "v=c2lnbmF0dXJl"u8]);
        byte[] before = [.. sasl, .. saslContinue, .. saslFinal];
        byte[] stream = [.. before, .. Ok, .. AfterOk];

        WatcherFeed.EveryPieceSize(() => new PostgresBackendWatcher(), stream, BackendVerdict.Confirmed, before.Length);
    }

    [Fact]
    public void NoticesAndAProtocolVersionNegotiationPassBeforeThePasswordRequest()
    {
        byte[] before =
        [
            .. Message('v', [0, 0, 0, 0, 0, 0, 0, 0]),
            .. Message('N', "SNOTICE\0Mhello\0\0"u8.ToArray()),
            .. Message('R', Code(5).Concat(new byte[4]).ToArray()),
        ];
        byte[] stream = [.. before, .. Ok];

        WatcherFeed.EveryPieceSize(() => new PostgresBackendWatcher(), stream, BackendVerdict.Confirmed, before.Length);
    }

    [Fact]
    public void AWrongPasswordIsRejected()
    {
        byte[] stream =
        [
            .. Message('R', [.. Code(10), .. "SCRAM-SHA-256\0\0"u8]),
            .. Message('E', "SFATAL\0C28P01\0Mpassword authentication failed for user \"alice\"\0\0"u8.ToArray()),
        ];

        WatcherFeed.EveryPieceSize(() => new PostgresBackendWatcher(), stream, BackendVerdict.Rejected, passed: stream.Length);
    }

    [Fact]
    public void APasswordRequestAloneStaysPendingAndPassesWhole()
    {
        var stream = Message('R', Code(3));

        WatcherFeed.EveryPieceSize(() => new PostgresBackendWatcher(), stream, BackendVerdict.Pending, stream.Length);
    }

    [Theory]
    [InlineData('Z')]
    [InlineData('S')]
    [InlineData('X')]
    public void AnyOtherMessageBeforeAuthenticationOkIsRejected(char type)
    {
        byte[] stream = [.. Message(type, "I"u8.ToArray()), .. Ok];

        Assert.Equal(BackendVerdict.Rejected, WatcherFeed.Run(new PostgresBackendWatcher(), stream, stream.Length).Verdict);
    }

    [Fact]
    public void AnAuthenticationOkWithABodyOrAShortLengthIsRejected()
    {
        var longOk = Message('R', [.. Code(0), 1, 2]);
        byte[] shortLength = [(byte)'R', 0, 0, 0, 3, 0, 0, 0, 0];

        Assert.Equal(BackendVerdict.Rejected, new PostgresBackendWatcher().Watch(longOk).Verdict);
        Assert.Equal(BackendVerdict.Rejected, new PostgresBackendWatcher().Watch(shortLength).Verdict);
    }

    private static byte[] Code(int code)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, code);
        return bytes;
    }

    private static byte[] Message(char type, byte[] body)
    {
        var message = new byte[5 + body.Length];
        message[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + body.Length);
        body.CopyTo(message, 5);
        return message;
    }
}
