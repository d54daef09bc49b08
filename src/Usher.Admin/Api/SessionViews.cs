using Usher.Gateway.Proxy;
using Usher.Sessions;

namespace Usher.Admin.Api;

/// <summary>Session records as the API shows them.</summary>
internal static class SessionViews
{
    public static SessionView Of(IGatewaySession session, DateTimeOffset now, long nowTicks)
    {
        var record = session.Record;
        var idleMs = Math.Max(0, nowTicks - record.LastActivityTicks);
        var tcp = record.TcpReadAt is { } readAt ? new TcpView(readAt, record.ClientTcp, record.BackendTcp) : null;
        return new SessionView(
            record.Id,
            record.Listener,
            new IdentityView(record.Identity.Kind.ToString(), record.Identity.Shown),
            record.Client.ToString() ?? string.Empty,
            record.Proxy?.ToString(),
            record.Backend?.ToString(),
            record.BackendLocal?.ToString(),
            record.StartedAt,
            // Activity is stamped on the coarse tick clock: never show it before the session began.
            Max(record.StartedAt, now - TimeSpan.FromMilliseconds(idleMs)),
            Math.Round(idleMs / 1000.0, 1),
            record.BytesFromClient,
            record.BytesFromBackend,
            StateOf(session),
            tcp);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string StateOf(IGatewaySession session) => session switch
    {
        { Record.CloseReason: not CloseReason.None } => "closing",
        { Record.BackendLocal: null } => "connecting",
        ProxySession { Probing: true } => "probing",
        _ => "relaying",
    };
}
