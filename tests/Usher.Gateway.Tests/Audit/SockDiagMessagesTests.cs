using System.Buffers.Binary;
using System.Net;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Audit;

public sealed class SockDiagMessagesTests
{
    [Fact]
    public void TheDumpRequestAsksForEveryTcpSocketOfOneFamilyInTheGivenStatesWithItsTcpInfo()
    {
        var request = SockDiagMessages.DumpRequest(10, SockDiag.Established, 7);

        Assert.Equal(72, request.Length);
        Assert.Equal(72u, BinaryPrimitives.ReadUInt32LittleEndian(request));
        Assert.Equal(20, BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(4)));
        Assert.Equal(0x301, BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(6)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(8)));
        Assert.Equal(10, request[16]);
        Assert.Equal(6, request[17]);
        Assert.Equal(2, request[18]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(20)));
    }

    [Fact]
    public void ReadsSeveralSocketsOfOneDatagramWithTheirTcpInfoUntilDone()
    {
        var v4 = AuditSamples.DiagMessage(IPEndPoint.Parse("10.0.0.1:5432"), IPEndPoint.Parse("10.0.0.9:40000"), TcpTimer.Retransmit, 3,
            sendQueue: 1200, tcpInfo: AuditSamples.TcpInfoBytes(retransmits: 3, unacked: 2, lastDataReceivedMs: 9000, lastAckReceivedMs: 4000, notSent: 200));
        var mapped = AuditSamples.DiagMessage(IPEndPoint.Parse("[::ffff:10.0.0.1]:5432"), IPEndPoint.Parse("[::ffff:10.0.0.8]:40001"), TcpTimer.Keepalive, 2);
        var v6 = AuditSamples.DiagMessage(IPEndPoint.Parse("[fd00::1]:5432"), IPEndPoint.Parse("[fd00::2]:40002"));
        var entries = new List<TcpSocketEntry>();

        var outcome = SockDiagMessages.Parse([.. v4, .. mapped, .. v6, .. AuditSamples.Control(SockDiagMessages.Done)], entries, out _);

        Assert.Equal(SockDiagMessages.Outcome.Done, outcome);
        Assert.Equal(["10.0.0.9:40000", "10.0.0.8:40001", "[fd00::2]:40002"], entries.Select(e => e.Remote.ToString()));
        var first = entries[0];
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:5432"), first.Local);
        Assert.Equal(TcpTimer.Retransmit, first.Timer);
        Assert.Equal(1500, first.TimerExpiresMs);
        Assert.Equal(3, first.Retransmits);
        Assert.Equal(1000, first.UnackedBytes);
        Assert.Equal(2u, first.Info!.Value.Unacked);
        Assert.Equal(200u, first.Info.Value.NotSentBytes);
        Assert.Equal(9000u, first.Info.Value.LastDataReceivedMs);
        Assert.Equal(4000u, first.Info.Value.LastAckReceivedMs);
        Assert.Equal(1000, first.Uid);
        Assert.Equal(4242, first.Inode);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), entries[1].Local.Address);
        Assert.Null(entries[1].Info);
        Assert.Equal(2, entries[1].Probes);
    }

    [Fact]
    public void AnErrorAnswerCarriesTheKernelsErrno()
    {
        var entries = new List<TcpSocketEntry>();

        var outcome = SockDiagMessages.Parse(AuditSamples.Control(SockDiagMessages.Error, errno: 1), entries, out var errno);

        Assert.Equal(SockDiagMessages.Outcome.Failed, outcome);
        Assert.Equal(1, errno);
        Assert.Empty(entries);
    }

    [Fact]
    public void ATruncatedOrMalformedDatagramEndsWithoutThrowingAndKeepsWhatCameBefore()
    {
        var whole = AuditSamples.DiagMessage(IPEndPoint.Parse("10.0.0.1:5432"), IPEndPoint.Parse("10.0.0.9:40000"), tcpInfo: AuditSamples.TcpInfoBytes());
        var entries = new List<TcpSocketEntry>();

        Assert.Equal(SockDiagMessages.Outcome.More, SockDiagMessages.Parse([.. whole, .. whole.AsSpan(0, 50)], entries, out _));
        var badAttribute = (byte[])whole.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(badAttribute.AsSpan(SockDiagMessages.HeaderSize + SockDiagMessages.DiagMessageSize), 9999);
        Assert.Equal(SockDiagMessages.Outcome.More, SockDiagMessages.Parse(badAttribute, entries, out _));
        var badLength = (byte[])whole.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(badLength, 3);
        Assert.Equal(SockDiagMessages.Outcome.More, SockDiagMessages.Parse(badLength, entries, out _));
        Assert.Equal(SockDiagMessages.Outcome.More, SockDiagMessages.Parse(new byte[7], entries, out _));

        Assert.Equal(2, entries.Count);
        Assert.NotNull(entries[0].Info);
        Assert.Null(entries[1].Info);
    }

    [Fact]
    public void AShortTcpInfoFromAnOlderKernelIsReadWithoutTheNotSentBytes()
    {
        var info = TcpInfo.Parse(AuditSamples.TcpInfoBytes(notSent: 5).AsSpan(0, 120));

        Assert.Null(info!.Value.NotSentBytes);
        Assert.Null(TcpInfo.Parse(new byte[100]));
    }
}
