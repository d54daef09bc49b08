using Usher.Control;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>Open sessions as the admin side sees them: values copied from the session's record at one moment.</summary>
internal static class SessionSnapshots
{
    /// <summary>The snapshot of <paramref name="session"/> at <paramref name="now"/> (wall clock) and
    /// <paramref name="nowTicks"/> (<see cref="Environment.TickCount64"/>, the clock activity is stamped on).</summary>
    public static SessionSnapshot Of(IGatewaySession session, DateTimeOffset now, long nowTicks)
    {
        var record = session.Record;
        var idle = TimeSpan.FromMilliseconds(Math.Max(0, nowTicks - record.LastActivityTicks));
        var tcp = record.TcpReadAt is { } readAt ? new TcpReading(readAt, record.ClientTcp, record.BackendTcp) : null;
        return new SessionSnapshot(
            record.Id,
            record.Listener,
            record.Identity.Kind,
            record.Identity.Shown,
            record.Client.ToString() ?? string.Empty,
            record.Proxy?.ToString(),
            record.Backend?.ToString(),
            record.BackendLocal?.ToString(),
            record.StartedAt,
            // Activity is stamped on the coarse tick clock: never show it before the session began.
            Max(record.StartedAt, now - idle),
            idle,
            record.BytesFromClient,
            record.BytesFromBackend,
            StateOf(session),
            tcp);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static SessionState StateOf(IGatewaySession session) => session switch
    {
        { Record.CloseReason: not CloseReason.None } => SessionState.Closing,
        { Record.BackendLocal: null } => SessionState.Connecting,
        ProxySession { Probing: true } => SessionState.Probing,
        _ => SessionState.Relaying,
    };
}
