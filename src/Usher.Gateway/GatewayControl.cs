using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using Usher.Configuration;
using Usher.Control;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Proxy;

namespace Usher.Gateway;

/// <summary><see cref="UsherGateway"/> as its admin side sees and drives it (<see cref="UsherGateway.Control"/>): the
/// one way the admin endpoint reaches the gateway, with values out and requests in.</summary>
internal sealed class GatewayControl(UsherGateway gateway) : IGatewayControl
{
    private static readonly Assembly Built = typeof(UsherGateway).Assembly;

    public string Version { get; } =
        Built.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? Built.GetName().Version?.ToString() ?? "unknown";

    public TimeProvider Time => gateway.Time;

    public DateTimeOffset? StartedAt => gateway.StartedAt;

    public GatewaySettings Settings => gateway.Settings;

    public int MaxSessions => gateway.MaxSessions;

    public int Counted => gateway.Ledger.Total;

    public IReadOnlyList<ListenerSnapshot> Listeners =>
        gateway.Listeners.Select(l => new ListenerSnapshot(l.Name, l.LocalEndPoint.ToString(), l.Settings, l.Open)).ToList();

    public ISessionControl Sessions { get; } = new SessionControl(gateway);

    public IGatewayEventFeed Events => gateway.Events;

    public Meter Meter => gateway.Metrics.Meter;

    public IReadOnlyDictionary<string, string[]> MetricLabels => GatewayMetrics.Tags;

    public bool TryTakeAdminDescriptor(out bool beyond) => gateway.Descriptors.TryTakeAdmin(out beyond);

    public void ReleaseAdminDescriptor(bool beyond) => gateway.Descriptors.ReleaseAdmin(beyond);

    public int TakeInheritedSocket(IPEndPoint endpoint) => gateway.Inherited?.Take(endpoint) ?? -1;

    public Task<ReloadResult> ReloadAsync(GatewaySettings settings, CancellationToken cancellationToken = default) =>
        gateway.ReloadAsync(settings, cancellationToken);
}
