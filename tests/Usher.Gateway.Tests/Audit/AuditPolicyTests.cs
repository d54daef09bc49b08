using Usher.Configuration;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Audit;

public sealed class AuditPolicyTests
{
    private static readonly AuditPolicy Policy = new(TimeSpan.FromSeconds(10), HostLiveness.LinuxDefaults);

    [Fact]
    public void TheHostsRetransmissionBudgetFollowsTheKernelsModelOfTcpRetries2()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(924_600), HostLiveness.RetransmitTimeout(15));
        Assert.Equal(TimeSpan.FromMilliseconds(1_400), HostLiveness.RetransmitTimeout(2));
        Assert.Equal(TimeSpan.FromMilliseconds(3_000), HostLiveness.SilenceAfter(4));
        Assert.Equal(TimeSpan.FromSeconds(7875), HostLiveness.LinuxDefaults.Keepalive.Budget);
    }

    [Fact]
    public void AnIdleSessionWithNothingOutstandingIsOkHoweverLongItIsSilent()
    {
        var (verdict, silence, atLeast) = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", info: AuditSamples.Info(silentSeconds: 50_000, idleSeconds: 50_000)));

        Assert.Equal(SessionVerdict.Ok, verdict);
        Assert.Equal(TimeSpan.FromSeconds(50_000), silence);
        Assert.False(atLeast);
    }

    [Theory]
    [InlineData(2, SessionVerdict.Ok)]
    [InlineData(10, SessionVerdict.Suspect)]
    [InlineData(900, SessionVerdict.Suspect)]
    [InlineData(925, SessionVerdict.DeadByNow)]
    public void UnacknowledgedDataIsSuspectPastTheThresholdAndDeadByNowPastTheRetransmissionBudget(double silent, SessionVerdict expected)
    {
        var entry = AuditSamples.Entry("10.0.0.9:1", sendQueue: 300, info: AuditSamples.Info(silent, unacked: 1, retransmits: 2));

        Assert.Equal(expected, Policy.Judge(entry).Verdict);
    }

    [Fact]
    public void DataJustSentToALongSilentIdlePeerIsNotSuspectBeforeARetransmissionTimeoutFires()
    {
        var entry = AuditSamples.Entry("10.0.0.9:1", sendQueue: 300, info: AuditSamples.Info(5000, 5000, unacked: 1));

        Assert.Equal(SessionVerdict.Ok, Policy.Judge(entry).Verdict);
    }

    [Theory]
    [InlineData(30, SessionVerdict.Suspect)]
    [InlineData(7874, SessionVerdict.Suspect)]
    [InlineData(7875, SessionVerdict.DeadByNow)]
    public void UnansweredKeepaliveProbesAreSuspectAndDeadByNowPastTheKeepaliveBudget(double silent, SessionVerdict expected)
    {
        var entry = AuditSamples.Entry("10.0.0.9:1", info: AuditSamples.Info(silent, silent, probes: 2), timer: TcpTimer.Keepalive, timerCount: 2);

        Assert.Equal(expected, Policy.Judge(entry).Verdict);
    }

    [Fact]
    public void WithoutTcpInfoTheSilenceIsDeducedFromTheRetransmissionsAsALowerBound()
    {
        var few = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", sendQueue: 300, timer: TcpTimer.Retransmit, timerCount: 3));
        var many = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", sendQueue: 300, timer: TcpTimer.Retransmit, timerCount: 6));
        var probed = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", timer: TcpTimer.Keepalive, timerCount: 1));
        var given = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", timer: TcpTimer.Keepalive, timerCount: 9));
        var idle = Policy.Judge(AuditSamples.Entry("10.0.0.9:1", timer: TcpTimer.Keepalive));

        Assert.Equal((SessionVerdict.Ok, TimeSpan.FromMilliseconds(1_400), true), few);
        Assert.Equal((SessionVerdict.Suspect, TimeSpan.FromMilliseconds(12_600), true), many);
        Assert.Equal(SessionVerdict.Suspect, probed.Verdict);
        Assert.Equal(SessionVerdict.DeadByNow, given.Verdict);
        Assert.Equal((SessionVerdict.Ok, (TimeSpan?)null, false), idle);
    }

    [Fact]
    public void AShorterHostBudgetMakesTheSameSilenceDeadByNow()
    {
        var host = new HostLiveness(new KeepaliveSettings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10), 3), 5);
        var entry = AuditSamples.Entry("10.0.0.9:1", sendQueue: 300, info: AuditSamples.Info(13, unacked: 1, retransmits: 5));

        Assert.Equal(TimeSpan.FromMilliseconds(12_600), host.RetransmitBudget);
        Assert.Equal(SessionVerdict.DeadByNow, new AuditPolicy(TimeSpan.FromSeconds(10), host).Judge(entry).Verdict);
    }
}
