namespace Usher.Configuration;

/// <summary>TCP keepalive for one socket: first probe after <paramref name="Idle"/> of silence, then every
/// <paramref name="Interval"/>, and the peer is declared dead after <paramref name="Count"/> unanswered probes.</summary>
/// <remarks>Defaults to 00:05:00 / 00:00:30 / 3, i.e. a vanished peer is found within 6 min 30 s instead of the
/// operating system's 2 h 11 min.</remarks>
public sealed record KeepaliveSettings(TimeSpan Idle, TimeSpan Interval, int Count)
{
    /// <summary>The defaults: 5 minutes idle, 30 seconds between probes, 3 probes.</summary>
    public static KeepaliveSettings Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), 3);

    /// <summary>The longest a silent, vanished peer can stay undetected: Idle + Interval × Count.</summary>
    public TimeSpan Budget => Idle + (Interval * Count);
}
