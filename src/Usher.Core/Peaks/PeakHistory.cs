namespace Usher.Peaks;

/// <summary>One identity's hour on one listener: the most sessions it held (or asked for, when refused) at once, and
/// how many times it was refused by its limit.</summary>
public readonly record struct PeakEntry(int Peak, int Refused)
{
    /// <summary>Both hours in one: the higher peak, the refusals added.</summary>
    public PeakEntry Merge(PeakEntry other) => new(Math.Max(Peak, other.Peak), Refused + other.Refused);
}

/// <summary>Recorded hours, oldest first: for each hour (UTC, as hours since 1970), listener and identity, its
/// <see cref="PeakEntry"/>. Not thread-safe: <see cref="PeakBook"/> guards it.</summary>
public sealed class PeakHistory
{
    private readonly SortedDictionary<long, Dictionary<string, Dictionary<string, PeakEntry>>> _hours = [];

    /// <summary>The hours recorded, oldest first.</summary>
    public IEnumerable<long> Hours => _hours.Keys;

    /// <summary>How many hours are recorded.</summary>
    public int HourCount => _hours.Count;

    /// <summary>The listeners and identities of one hour.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, PeakEntry>> Hour(long hour) => _hours[hour];

    /// <summary>Adds an identity's hour, merged with what the hour holds already.</summary>
    public void Add(long hour, string listener, string identity, PeakEntry entry)
    {
        if (!_hours.TryGetValue(hour, out var listeners))
        {
            listeners = new Dictionary<string, Dictionary<string, PeakEntry>>(StringComparer.Ordinal);
            _hours[hour] = listeners;
        }

        if (!listeners.TryGetValue(listener, out var identities))
        {
            identities = new Dictionary<string, PeakEntry>(StringComparer.Ordinal);
            listeners[listener] = identities;
        }

        identities[identity] = identities.TryGetValue(identity, out var known) ? known.Merge(entry) : entry;
    }

    /// <summary>Adds every hour of <paramref name="other"/>.</summary>
    public void AddAll(PeakHistory other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (hour, listeners) in other._hours)
        {
            foreach (var (listener, identities) in listeners)
            {
                foreach (var (identity, entry) in identities)
                {
                    Add(hour, listener, identity, entry);
                }
            }
        }
    }

    /// <summary>Drops the oldest hour; <c>false</c> when none is left.</summary>
    public bool DropOldest()
    {
        if (_hours.Count == 0)
        {
            return false;
        }

        _hours.Remove(_hours.Keys.First());
        return true;
    }

    /// <summary>Keeps only the hours from <paramref name="firstHour"/> on.</summary>
    public void DropBefore(long firstHour)
    {
        while (_hours.Count > 0 && _hours.Keys.First() < firstHour)
        {
            DropOldest();
        }
    }

    /// <summary>A copy.</summary>
    public PeakHistory Clone()
    {
        var copy = new PeakHistory();
        copy.AddAll(this);
        return copy;
    }

    /// <summary>The hour (since 1970, UTC) of <paramref name="time"/>.</summary>
    public static long HourOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 3600;

    /// <summary>The start of <paramref name="hour"/>.</summary>
    public static DateTimeOffset StartOf(long hour) => DateTimeOffset.FromUnixTimeSeconds(hour * 3600);
}
