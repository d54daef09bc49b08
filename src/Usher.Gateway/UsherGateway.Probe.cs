using Usher.Control;
using Usher.Diagnostics;
using Usher.Gateway.Proxy;
using Usher.Sessions;

namespace Usher.Gateway;

/// <summary>An operator's probe of one session: ReclaimDead's probe, asked for by hand.</summary>
public sealed partial class UsherGateway
{
    /// <summary>Probes session <paramref name="id"/>'s client now: its keepalive is shortened to the listener's
    /// ProbeInterval × ProbeCount, with TCP_USER_TIMEOUT to match (event 9663 names <paramref name="by"/>). A client
    /// that answers keeps its session and gets its keepalive back; one that does not is dropped by the kernel and the
    /// session ends as <see cref="CloseReason.ClientDead"/> (9648, 9642).</summary>
    /// <returns>The probe; <c>null</c> when no session with that id is open.</returns>
    /// <exception cref="InvalidOperationException">The session is still connecting, or ending.</exception>
    internal SessionProbe? Probe(long id, string by)
    {
        if (Registry.Find(id) is not { } session)
        {
            return null;
        }

        var record = session.Record;
        if (session is not ProxySession relayed || record.CloseReason != CloseReason.None || record.BackendLocal is null)
        {
            var why = record.CloseReason != CloseReason.None ? $"already closing ({record.CloseReason})"
                : session is not ProxySession ? "a session of a listener that terminates TLS, whose probe is not supported yet"
                : "not relaying yet";
            throw new InvalidOperationException($"session {id} cannot be probed: it is {why}");
        }

        var settings = Listeners.First(l => l.Name == record.Listener).Settings;
        var probe = new SessionProbe(id, settings.ProbeInterval * settings.ProbeCount, !relayed.Probing);
        if (!probe.Started)
        {
            return probe;
        }

        _logger.SessionProbed(id, record.Identity.Shown, record.Listener, by, probe.Budget.TotalSeconds, settings.ProbeCount);
        if (Events.Observed)
        {
            Events.Publish(new GatewayEvent(GatewayEventKind.Probed, UsherEvents.SessionProbed, _time.GetUtcNow(), record.Listener,
                record.Identity.Shown, record.Id, record.Client.ToString(), by));
        }

        relayed.RequestProbe(newcomer: null);
        return probe;
    }
}
