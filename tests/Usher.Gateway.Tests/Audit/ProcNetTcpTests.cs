using System.Net;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Audit;

public sealed class ProcNetTcpTests
{
    [Fact]
    public void ReadsAnIpv4LineWithItsQueuesTimerRetransmitsOwnerAndInode()
    {
        var entry = ProcNetTcp.Parse(
            "   3: 0100007F:1538 0200FE0A:9C40 01 000004B0:00000010 01:00000064 00000005  1000        0 123456 2 0000000000000000 320 4 30 10 -1");

        Assert.NotNull(entry);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:5432"), entry.Local);
        Assert.Equal(IPEndPoint.Parse("10.254.0.2:40000"), entry.Remote);
        Assert.Equal(TcpState.Established, entry.State);
        Assert.Equal(1200, entry.SendQueue);
        Assert.Equal(16, entry.ReceiveQueue);
        Assert.Equal(TcpTimer.Retransmit, entry.Timer);
        Assert.Equal(1000, entry.TimerExpiresMs);
        Assert.Equal(5, entry.Retransmits);
        Assert.Equal(1000, entry.Uid);
        Assert.Equal(123456, entry.Inode);
        Assert.Null(entry.Info);
        Assert.Equal(1200, entry.UnackedBytes);
        Assert.Null(entry.Probes);
    }

    [Fact]
    public void ReadsTheKeepaliveProbesOfAnIpv6LineAndShowsAMappedAddressAsIpv4()
    {
        var entry = ProcNetTcp.Parse(
            "   0: 0000000000000000FFFF00000100007F:1538 0000000000000000FFFF00000200FE0A:9C41 01 00000000:00000000 02:000001F4 00000000   106        3 777 1 0000000000000000 20 4 0 10 -1");

        Assert.NotNull(entry);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:5432"), entry.Local);
        Assert.Equal(IPEndPoint.Parse("10.254.0.2:40001"), entry.Remote);
        Assert.Equal(TcpTimer.Keepalive, entry.Timer);
        Assert.Equal(3, entry.Probes);
        Assert.Equal(0, entry.Retransmits);
        Assert.Equal(106, entry.Uid);
    }

    [Theory]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("")]
    [InlineData("   0: 0100007F:1538 0200FE0A:9C40 01 zz:00 01:00 00000005  1000 0 1")]
    [InlineData("   0: 0100007F 0200FE0A:9C40 01 00000000:00000000 00:00000000 00000000  1000 0 1")]
    public void ALineThatIsNotASocketIsSkipped(string line) => Assert.Null(ProcNetTcp.Parse(line));
}
