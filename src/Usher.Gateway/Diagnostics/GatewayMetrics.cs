using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Usher.Sessions;

namespace Usher.Gateway.Diagnostics;

/// <summary>The gateway's instruments (System.Diagnostics.Metrics, meter "Usher"): every refusal and every close is
/// counted, whatever the log folds.</summary>
public sealed class GatewayMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Usher";

    private readonly Meter _meter;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _backendFailures;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _shed;

    /// <summary>Creates the instruments.</summary>
    public GatewayMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _accepted = _meter.CreateCounter<long>("usher.sessions.admitted", "{session}", "Sessions admitted.");
        _refused = _meter.CreateCounter<long>("usher.sessions.refused", "{session}", "Sessions refused at a limit.");
        _closed = _meter.CreateCounter<long>("usher.sessions.closed", "{session}", "Sessions closed, by reason.");
        _bytes = _meter.CreateCounter<long>("usher.bytes", "By", "Bytes relayed, by direction.");
        _backendFailures = _meter.CreateCounter<long>("usher.backend.failures", "{connection}", "Backend connections that failed.");
        _rateLimited = _meter.CreateCounter<long>("usher.connections.rate_limited", "{connection}", "Connections refused by ConnectRate.");
        _shed = _meter.CreateCounter<long>("usher.connections.shed", "{connection}",
            "Connections closed at accept: descriptor budget spent (reason budget) or MaxHandshakesPerSource (reason source).");
    }

    /// <summary>The tags each instrument's measurements carry, by instrument name: the labels an exporter gives its
    /// series. Every measurement of an instrument carries all of them.</summary>
    public static IReadOnlyDictionary<string, string[]> Tags { get; } = new Dictionary<string, string[]>
    {
        ["usher.sessions.admitted"] = ["listener"],
        ["usher.sessions.refused"] = ["listener", "limit"],
        ["usher.sessions.closed"] = ["listener", "reason"],
        ["usher.bytes"] = ["listener", "direction"],
        ["usher.backend.failures"] = ["listener"],
        ["usher.connections.rate_limited"] = ["listener"],
        ["usher.connections.shed"] = ["listener", "reason"],
        ["usher.descriptors.held"] = [],
        ["usher.descriptors.budget"] = [],
        ["usher.sessions.open"] = [],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The meter, for tests and exporters.</summary>
    public Meter Meter => _meter;

    /// <summary>Creates the gauge of open sessions.</summary>
    public void ObserveOpenSessions(Func<int> open) =>
        _meter.CreateObservableGauge("usher.sessions.open", open, "{session}", "Sessions open.");

    /// <summary>Creates the gauges of the descriptor budget: descriptors held by connections, pipes and admin
    /// connections, and the budget they may hold.</summary>
    internal void ObserveDescriptors(Engine.DescriptorBudget budget)
    {
        _meter.CreateObservableGauge("usher.descriptors.held", () => budget.Held, "{descriptor}",
            "Descriptors held by connections (two each), pipes and admin connections.");
        _meter.CreateObservableGauge("usher.descriptors.budget", () => budget.Capacity, "{descriptor}",
            "Descriptors they may hold: the open-files limit less the reserve and the rest of the process.");
    }

    internal void Admitted(string listener) => _accepted.Add(1, new KeyValuePair<string, object?>("listener", listener));

    internal void Refused(string listener, string scope) =>
        _refused.Add(1, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("limit", scope));

    internal void Closed(string listener, CloseReason reason, long fromClient, long fromBackend)
    {
        _closed.Add(1, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("reason", CloseReasonNames.Of(reason)));
        if (fromClient > 0)
        {
            _bytes.Add(fromClient, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("direction", "from_client"));
        }

        if (fromBackend > 0)
        {
            _bytes.Add(fromBackend, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("direction", "from_backend"));
        }
    }

    internal void Shed(string listener, string reason) =>
        _shed.Add(1, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("reason", reason));

    internal void RateLimited(string listener) => _rateLimited.Add(1, new KeyValuePair<string, object?>("listener", listener));

    internal void BackendFailed(string listener) => _backendFailures.Add(1, new KeyValuePair<string, object?>("listener", listener));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

/// <summary>Close reasons as strings, without allocating.</summary>
internal static class CloseReasonNames
{
    private static readonly string[] Names = Enum.GetNames<CloseReason>();

    public static string Of(CloseReason reason) => (uint)reason < (uint)Names.Length ? Names[(int)reason] : reason.ToString();
}
