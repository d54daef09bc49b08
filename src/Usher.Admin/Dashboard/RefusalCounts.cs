using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Usher.Admin.Dashboard;

/// <summary>Refusals per listener since the admin endpoint started, read from the gateway's own instrument
/// (<c>usher.sessions.refused</c> on the meter "Usher") through a <see cref="MeterListener"/>: the gateway counts
/// nothing twice, and <c>/api/status</c>, the event stream and <c>usher top</c> turn the totals into rates.</summary>
internal sealed class RefusalCounts : IDisposable
{
    private const string Instrument = "usher.sessions.refused";
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byListener = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly Meter _meter;

    public RefusalCounts(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _meter && instrument.Name == Instrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Add(value, tags));
        _listener.Start();
    }

    /// <summary>Refusals on <paramref name="listener"/> so far.</summary>
    public long Of(string listener) => _byListener.TryGetValue(listener, out var count) ? Interlocked.Read(ref count.Value) : 0;

    public void Dispose() => _listener.Dispose();

    private void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "listener" && tag.Value is string name)
            {
                Interlocked.Add(ref _byListener.GetOrAdd(name, static _ => new StrongBox<long>()).Value, value);
                return;
            }
        }
    }
}
