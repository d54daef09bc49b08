using System.Net;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Tests.Audit;

public sealed class AuditReportTests
{
    private static readonly AuditPolicy Policy = new(TimeSpan.FromSeconds(10), HostLiveness.LinuxDefaults);

    [Fact]
    public void CountsTheSessionsOfEachRemoteOnThePortTheBusiestFirstWithTheirFlagsAndHeadroom()
    {
        TcpSocketEntry[] entries =
        [
            AuditSamples.Entry("10.0.0.7:1", info: AuditSamples.Info(1)),
            AuditSamples.Entry("10.0.0.9:1", info: AuditSamples.Info(1)),
            AuditSamples.Entry("10.0.0.9:2", sendQueue: 100, info: AuditSamples.Info(20, 20, unacked: 1, retransmits: 4)),
            AuditSamples.Entry("10.0.0.9:3", sendQueue: 50, info: AuditSamples.Info(1000, 1000, unacked: 1, retransmits: 9)),
            AuditSamples.Entry("10.0.0.8:1", info: AuditSamples.Info(1)),
            AuditSamples.Entry("10.0.0.8:2", info: AuditSamples.Info(1)),
            AuditSamples.Entry("10.0.0.9:4", port: 6432, info: AuditSamples.Info(1)),
            AuditSamples.Entry("10.0.0.9:5") with { State = TcpState.CloseWait },
        ];

        var report = AuditReport.Build(entries, 5432, "netlink", Policy, limit: 2, users: null, unseen: []);

        Assert.Equal(6, report.Sessions.Count);
        Assert.Equal(["10.0.0.9", "10.0.0.8", "10.0.0.7"], report.Remotes.Select(g => g.Key));
        var busiest = report.Remotes[0];
        Assert.Equal((3, 1, 1, 1, -1), (busiest.Count, busiest.Live, busiest.Suspect, busiest.DeadByNow, busiest.Headroom));
        Assert.Equal(150, busiest.UnackedBytes);
        Assert.Equal(TimeSpan.FromSeconds(1000), busiest.MaxIdle);
        Assert.Equal(0, report.Remotes[1].Headroom);
        Assert.Empty(report.Users);
        Assert.Equal("10.0.0.9:3", report.Sessions[0].Entry.Remote.ToString());
    }

    [Fact]
    public void GroupsByUserTooWhenUsherToldWhoTheClientsAre()
    {
        TcpSocketEntry[] entries =
        [
            AuditSamples.Entry("10.0.0.7:1"),
            AuditSamples.Entry("10.0.0.9:1"),
            AuditSamples.Entry("10.0.0.9:2"),
            AuditSamples.Entry("10.0.0.9:3"),
        ];
        var users = new Dictionary<IPEndPoint, string>
        {
            [IPEndPoint.Parse("10.0.0.7:1")] = "alice",
            [IPEndPoint.Parse("10.0.0.9:1")] = "alice",
            [IPEndPoint.Parse("10.0.0.9:2")] = "bob",
        };

        var report = AuditReport.Build(entries, 5432, "netlink", Policy, limit: null, users, unseen: []);

        Assert.Equal([("alice", 2), ("bob", 1)], report.Users.Select(g => (g.Key, g.Count)));
        Assert.Null(report.Users[0].Headroom);
        Assert.Null(report.Sessions.Single(s => s.Entry.Remote.Port == 3).User);
    }
}
