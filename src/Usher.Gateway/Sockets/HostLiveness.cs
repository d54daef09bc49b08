using System.Globalization;
using Usher.Configuration;

namespace Usher.Gateway.Sockets;

/// <summary>How long this host's TCP takes, unaided, to give up on a vanished peer: keepalive
/// (<c>net.ipv4.tcp_keepalive_time</c> + <c>tcp_keepalive_intvl</c> × <c>tcp_keepalive_probes</c>, for sockets with
/// SO_KEEPALIVE and no settings of their own) and retransmission of unacknowledged data
/// (<c>net.ipv4.tcp_retries2</c>). <c>usher doctor</c> prints it; <c>usher audit</c> judges sessions by it.</summary>
/// <param name="Keepalive">The host's keepalive: idle time, interval, probes.</param>
/// <param name="Retries2">tcp_retries2: retransmissions of unacknowledged data before the connection is dropped.</param>
internal sealed record HostLiveness(KeepaliveSettings Keepalive, int Retries2)
{
    /// <summary>Linux's defaults: 7200 s, 75 s × 9 (2 h 11 min 15 s), and 15 retransmissions (about 15 min 25 s).</summary>
    public static HostLiveness LinuxDefaults { get; } = new(new KeepaliveSettings(TimeSpan.FromSeconds(7200), TimeSpan.FromSeconds(75), 9), 15);

    /// <summary>TCP_RTO_MIN, the first retransmission timeout on a fast link.</summary>
    private static readonly TimeSpan RtoMin = TimeSpan.FromMilliseconds(200);

    /// <summary>TCP_RTO_MAX: the backoff stops doubling there.</summary>
    private static readonly TimeSpan RtoMax = TimeSpan.FromSeconds(120);

    /// <summary>The longest a socket with unacknowledged data waits for an acknowledgement before the kernel drops
    /// it (the kernel's own model of tcp_retries2, from TCP_RTO_MIN).</summary>
    public TimeSpan RetransmitBudget => RetransmitTimeout(Retries2);

    /// <summary>Reads the host's settings from /proc/sys; Linux's default stands in for any it cannot read, and its
    /// name goes into <paramref name="unreadable"/>.</summary>
    public static HostLiveness Read(List<string> unreadable)
    {
        long Or(string name, long fallback)
        {
            if (Sysctl(name) is { } value)
            {
                return value;
            }

            unreadable.Add($"/proc/sys/{name} (taken as Linux's default, {fallback})");
            return fallback;
        }

        var d = LinuxDefaults;
        var keepalive = new KeepaliveSettings(
            TimeSpan.FromSeconds(Or("net/ipv4/tcp_keepalive_time", (long)d.Keepalive.Idle.TotalSeconds)),
            TimeSpan.FromSeconds(Or("net/ipv4/tcp_keepalive_intvl", (long)d.Keepalive.Interval.TotalSeconds)),
            (int)Or("net/ipv4/tcp_keepalive_probes", d.Keepalive.Count));
        return new HostLiveness(keepalive, (int)Or("net/ipv4/tcp_retries2", d.Retries2));
    }

    /// <summary>A number from /proc/sys (<paramref name="name"/> as in <c>net/ipv4/tcp_keepalive_time</c>);
    /// <c>null</c> when it cannot be read.</summary>
    public static long? Sysctl(string name)
    {
        try
        {
            return long.TryParse(File.ReadAllText($"/proc/sys/{name}").Trim(), CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>How long <paramref name="retries"/> retransmissions take when every timeout doubles from TCP_RTO_MIN
    /// up to TCP_RTO_MAX (the kernel's <c>tcp_model_timeout</c>): 924.6 s for the default 15.</summary>
    internal static TimeSpan RetransmitTimeout(int retries)
    {
        var linear = (int)Math.Log2(RtoMax / RtoMin);
        return retries <= linear
            ? RtoMin * ((2L << retries) - 1)
            : (RtoMin * ((2L << linear) - 1)) + (RtoMax * (retries - linear));
    }

    /// <summary>The least time that <paramref name="retransmits"/> timeouts in a row have taken (from TCP_RTO_MIN):
    /// what /proc/net/tcp lets one say of a silence it does not time.</summary>
    internal static TimeSpan SilenceAfter(int retransmits) => retransmits <= 0 ? TimeSpan.Zero : RetransmitTimeout(retransmits - 1);
}
