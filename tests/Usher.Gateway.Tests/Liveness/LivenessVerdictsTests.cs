using System.Buffers.Binary;
using System.Net;
using Usher.Configuration;
using Usher.Gateway.Proxy;
using Usher.Gateway.Sockets;
using Usher.Identity;
using Usher.Sessions;

namespace Usher.Gateway.Tests.Liveness;

/// <summary>A session's liveness for the admin side: the client's TCP_INFO judged by the audit's policy, with the
/// listener's keepalive as the keepalive budget.</summary>
public sealed class LivenessVerdictsTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(10);

    private static readonly ListenerSettings Listener = new()
    {
        Name = "pg",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = "127.0.0.1",
        BackendPort = 5432,
        Keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 6),
    };

    [Fact]
    public void A_session_never_read_has_no_liveness()
    {
        Assert.Null(LivenessVerdicts.Of(Record(), Listener, Threshold));
    }

    [Fact]
    public void An_idle_client_with_nothing_outstanding_is_not_suspect_however_long_it_is_silent()
    {
        var live = LivenessVerdicts.Of(Record(Tcp(silentMs: 3_600_000)), Listener, Threshold)!;

        Assert.False(live.Suspect);
        Assert.Null(live.Reason);
        Assert.Equal(TimeSpan.FromHours(1), live.Silence);
    }

    [Theory]
    [InlineData(4_000, false)]
    [InlineData(12_000, true)]
    public void Unanswered_keepalive_probes_are_suspect_past_the_threshold(uint silentMs, bool suspect)
    {
        var live = LivenessVerdicts.Of(Record(Tcp(silentMs, probes: 2)), Listener, Threshold)!;

        Assert.Equal(suspect, live.Suspect);
        Assert.Equal(2, live.Probes);
        if (suspect)
        {
            Assert.Equal("2 keepalive probe(s) unanswered, no answer for 12 s", live.Reason);
        }
    }

    [Fact]
    public void Probes_unanswered_past_the_listeners_keepalive_budget_say_so()
    {
        var live = LivenessVerdicts.Of(Record(Tcp(40_000, probes: 6)), Listener, Threshold)!;

        Assert.True(live.Suspect);
        Assert.EndsWith("; past the listener's keepalive budget", live.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unacknowledged_bytes_after_a_retransmission_are_suspect_and_counted_in_bytes()
    {
        var live = LivenessVerdicts.Of(Record(Tcp(11_000, unacked: 1, retransmits: 4, unackedBytes: 31)), Listener, Threshold)!;

        Assert.True(live.Suspect);
        Assert.Equal(31, live.UnackedBytes);
        Assert.Equal("31 byte(s) unacknowledged after 4 retransmission(s), no answer for 11 s", live.Reason);
    }

    [Fact]
    public void Tcp_info_gives_the_unacknowledged_bytes_as_sent_less_sent_again_less_acknowledged()
    {
        var bytes = new byte[216];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(120), 1_000);   // tcpi_bytes_acked
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(200), 1_500);   // tcpi_bytes_sent
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(208), 200);     // tcpi_bytes_retrans

        Assert.Equal(300, TcpInfo.Parse(bytes)!.Value.UnackedBytes);
        Assert.Null(TcpInfo.Parse(bytes.AsSpan(0, 160))!.Value.UnackedBytes);
    }

    private static TcpSnapshot Tcp(uint silentMs, byte probes = 0, uint unacked = 0, byte retransmits = 0, long? unackedBytes = 0) =>
        new("Established", silentMs, 100, silentMs, unacked, probes, retransmits, retransmits, 40) { UnackedBytes = unackedBytes };

    private static SessionRecord Record(TcpSnapshot? client = null)
    {
        var record = new SessionRecord(1, "pg", new SessionIdentity(IdentityKind.SourceIp, "10.0.0.9"),
            new IPEndPoint(IPAddress.Parse("10.0.0.9"), 40112), DateTimeOffset.UtcNow, Environment.TickCount64);
        if (client is { } tcp)
        {
            record.SetTcp(tcp, null, DateTimeOffset.UtcNow);
        }

        return record;
    }
}
