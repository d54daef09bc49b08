using System.Diagnostics.Metrics;
using System.Net;
using Usher.Configuration;

namespace Usher.Control;

/// <summary>A running gateway as its admin side (the admin API, the dashboard, <c>/metrics</c>, the CLI through them)
/// sees and drives it: status, listeners, sessions, the event feed, the instruments and reload. The gateway
/// implements it; the admin endpoint depends on this and on nothing of the gateway's own, so it can be built and
/// tested on any implementation. Every member is safe from any thread.</summary>
public interface IGatewayControl
{
    /// <summary>Usher's version as built (informational version, with the commit when the build knew it).</summary>
    string Version { get; }

    /// <summary>The clock of the gateway's timestamps.</summary>
    TimeProvider Time { get; }

    /// <summary>When the gateway started; <c>null</c> before.</summary>
    DateTimeOffset? StartedAt { get; }

    /// <summary>The configuration in force (the last reload's).</summary>
    GatewaySettings Settings { get; }

    /// <summary>Sessions the whole process may hold (<c>MaxSessions</c>, or derived from the descriptor limit).</summary>
    int MaxSessions { get; }

    /// <summary>Sessions the ledger counts now, on every listener.</summary>
    int Counted { get; }

    /// <summary>The listeners accepting now, in the configuration's order (none before the gateway starts).</summary>
    IReadOnlyList<ListenerSnapshot> Listeners { get; }

    /// <summary>The open sessions.</summary>
    ISessionControl Sessions { get; }

    /// <summary>Refusals, reclaims, dead peers, kills and closes as they happen.</summary>
    IGatewayEventFeed Events { get; }

    /// <summary>The gateway's instruments (meter "Usher").</summary>
    Meter Meter { get; }

    /// <summary>The tags each instrument's measurements carry, by instrument name: the labels an exporter gives its
    /// series.</summary>
    IReadOnlyDictionary<string, string[]> MetricLabels { get; }

    /// <summary>Takes one descriptor for an admin connection from the gateway's descriptor budget, or from the few
    /// set aside for the admin endpoint when sessions have spent it
    /// (docs/reliability.md#the-descriptor-budget).</summary>
    /// <param name="beyond">Whether it came from the set-aside few; give it back to <see cref="ReleaseAdminDescriptor"/>.</param>
    /// <returns><c>false</c> when both are spent: close the connection at once.</returns>
    bool TryTakeAdminDescriptor(out bool beyond);

    /// <summary>Gives back a descriptor <see cref="TryTakeAdminDescriptor"/> took.</summary>
    void ReleaseAdminDescriptor(bool beyond);

    /// <summary>On a graceful restart (<c>usher run --take-over</c>), takes the running Usher's listening socket on
    /// <paramref name="endpoint"/>, to be adopted instead of bound; call before the gateway starts.</summary>
    /// <returns>The socket's descriptor, or -1 when none was taken over there.</returns>
    int TakeInheritedSocket(IPEndPoint endpoint);

    /// <summary>Applies a new configuration (read and validated) without dropping a session, or rejects it whole.</summary>
    Task<ReloadResult> ReloadAsync(GatewaySettings settings, CancellationToken cancellationToken = default);
}
