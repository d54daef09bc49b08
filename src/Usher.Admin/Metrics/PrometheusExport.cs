using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using Usher.Control;

namespace Usher.Admin.Metrics;

/// <summary>The gateway's instruments (meter "Usher") in a Prometheus registry of this gateway's own, for
/// <c>GET /metrics</c>. A <see cref="MeterListener"/> feeds prometheus-net counters and gauges: a counter stays a
/// counter (<c>usher_sessions_admitted_total</c>, monotonic, never expired), tags become labels
/// (<c>listener</c>, <c>reason</c>, <c>limit</c>, <c>direction</c>). prometheus-net's own MeterAdapter is not used:
/// it exports counters as gauges that expire after 5 minutes without a change (and then restart from 0), prefixes
/// every name with the meter's (<c>usher_usher_…</c>) and, with a registry of one's own, exported nothing in our
/// tests (docs/admin.md).</summary>
internal sealed class PrometheusExport : IDisposable
{
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MetricFactory _factory;
    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Exported> _exported = new();
    private readonly IReadOnlyDictionary<string, string[]> _labels;

    public PrometheusExport(IGatewayControl gateway)
    {
        _meter = gateway.Meter;
        _labels = gateway.MetricLabels;
        _factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        var listenerOpen = _factory.CreateGauge("usher_listener_sessions_open", "Sessions open on each listener.", "listener");
        var capacity = _factory.CreateGauge("usher_sessions_capacity", "Sessions the whole process may hold (MaxSessions).");
        capacity.Set(gateway.MaxSessions);
        _listener.InstrumentPublished = OnPublished;
        _listener.SetMeasurementEventCallback<long>((i, m, t, _) => OnMeasurement(i, m, t));
        _listener.SetMeasurementEventCallback<int>((i, m, t, _) => OnMeasurement(i, m, t));
        _listener.SetMeasurementEventCallback<double>((i, m, t, _) => OnMeasurement(i, m, t));
        _listener.Start();
        _registry.AddBeforeCollectCallback(() =>
        {
            _listener.RecordObservableInstruments();
            foreach (var listener in gateway.Listeners)
            {
                listenerOpen.WithLabels(listener.Name).Set(listener.Open);
            }
        });
        DotNetStats.Register(_registry);

        // Series every listener has from the start, at 0, so a rate() has a first sample before the first event.
        foreach (var listener in gateway.Settings.Listeners)
        {
            foreach (var name in (string[])["usher.sessions.admitted", "usher.backend.failures", "usher.connections.rate_limited"])
            {
                if (_exported.Values.FirstOrDefault(e => e.Instrument.Name == name) is { Counter: { } counter })
                {
                    counter.WithLabels(listener.Name);
                }
            }
        }
    }

    /// <summary>Writes the text exposition format (version 0.0.4).</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    public void Dispose() => _listener.Dispose();

    /// <summary>The Prometheus name of an instrument: dots become underscores, counters end in <c>_total</c>.</summary>
    internal static string NameOf(Instrument instrument)
    {
        var name = new string(instrument.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray());
        return instrument is Counter<long> or Counter<int> or Counter<double> && !name.EndsWith("_total", StringComparison.Ordinal)
            ? name + "_total"
            : name;
    }

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Meter != _meter)
        {
            return;
        }

        var labels = _labels.GetValueOrDefault(instrument.Name) ?? [];
        var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
        var exported = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> =>
                new Exported(instrument, labels, _factory.CreateCounter(NameOf(instrument), help, labels), null),
            _ => new Exported(instrument, labels, null, _factory.CreateGauge(NameOf(instrument), help, labels)),
        };
        _exported[instrument] = exported;
        listener.EnableMeasurementEvents(instrument);
    }

    private void OnMeasurement<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct, IConvertible
    {
        if (!_exported.TryGetValue(instrument, out var exported))
        {
            return;
        }

        var value = measurement.ToDouble(System.Globalization.CultureInfo.InvariantCulture);
        var values = new string[exported.Labels.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key == exported.Labels[i])
                {
                    values[i] = tag.Value?.ToString() ?? string.Empty;
                }
            }
        }

        if (exported.Counter is { } counter)
        {
            counter.WithLabels(values).Inc(value);
        }
        else
        {
            exported.Gauge!.WithLabels(values).Set(value);
        }
    }

    private sealed record Exported(Instrument Instrument, string[] Labels, Counter? Counter, Gauge? Gauge);
}
