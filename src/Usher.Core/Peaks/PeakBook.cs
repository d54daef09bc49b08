using System.Collections.Concurrent;

namespace Usher.Peaks;

/// <summary>Each identity's peak concurrent sessions per listener per hour, as the gateway admits and refuses them.
/// An admission records the identity's count after it; a refusal by the identity's limit records the count it asked
/// for (one more than it held) and counts the refusal. The hot path is one dictionary lookup and an uncontended lock
/// per admission; hours that ended move to <see cref="PeakHistory"/> when the book is read.</summary>
public sealed class PeakBook
{
    /// <summary>The most hours kept in memory (a month), whatever the file's bound.</summary>
    public const int MaxHours = 31 * 24;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<PeakKey, PeakCell> _current = new();
    private readonly Lock _lock = new();
    private PeakHistory _history = new();

    /// <summary>A book that reads the hour from <paramref name="time"/>.</summary>
    public PeakBook(TimeProvider time) => _time = time;

    /// <summary>A session was admitted; <paramref name="count"/> is the identity's sessions with it.</summary>
    public void Admitted(string listener, string identity, int count) => Observe(listener, identity, count, refused: false);

    /// <summary>A session was refused by its identity's limit; <paramref name="demand"/> is the sessions the identity
    /// would have held with it.</summary>
    public void Refused(string listener, string identity, int demand) => Observe(listener, identity, demand, refused: true);

    private void Observe(string listener, string identity, int sessions, bool refused)
    {
        var hour = PeakHistory.HourOf(_time.GetUtcNow());
        var key = new PeakKey(listener, identity);
        while (true)
        {
            var cell = _current.GetOrAdd(key, static _ => new PeakCell());
            lock (cell)
            {
                if (cell.Retired)
                {
                    // Moved to the history by a read meanwhile: take a fresh cell.
                    continue;
                }

                if (cell.Hour != hour)
                {
                    if (cell.Hour != 0)
                    {
                        Close(key, cell);
                    }

                    cell.Hour = hour;
                    cell.Entry = default;
                }

                cell.Entry = new PeakEntry(Math.Max(cell.Entry.Peak, sessions), cell.Entry.Refused + (refused ? 1 : 0));
                return;
            }
        }
    }

    private void Close(PeakKey key, PeakCell cell)
    {
        lock (_lock)
        {
            _history.Add(cell.Hour, key.Listener, key.Identity, cell.Entry);
        }
    }

    /// <summary>Everything recorded: the closed hours and the current one. Cells of ended hours move to the history,
    /// so identities that come and go do not hold memory.</summary>
    public PeakHistory Read()
    {
        var now = PeakHistory.HourOf(_time.GetUtcNow());
        var current = new PeakHistory();
        foreach (var (key, cell) in _current)
        {
            lock (cell)
            {
                if (cell.Retired || cell.Hour == 0)
                {
                    continue;
                }

                if (cell.Hour != now)
                {
                    cell.Retired = true;
                    _current.TryRemove(new KeyValuePair<PeakKey, PeakCell>(key, cell));
                    Close(key, cell);
                    continue;
                }

                current.Add(cell.Hour, key.Listener, key.Identity, cell.Entry);
            }
        }

        lock (_lock)
        {
            _history.DropBefore(now - MaxHours + 1);
            var all = _history.Clone();
            all.AddAll(current);
            return all;
        }
    }

    /// <summary>Takes in hours read from the file at start.</summary>
    public void Load(PeakHistory loaded)
    {
        lock (_lock)
        {
            loaded.AddAll(_history);
            _history = loaded;
        }
    }

    /// <summary>Keeps only what the file could hold (after a write dropped the oldest hours).</summary>
    public void DropBefore(long firstHour)
    {
        lock (_lock)
        {
            _history.DropBefore(firstHour);
        }
    }

    private readonly record struct PeakKey(string Listener, string Identity);

    private sealed class PeakCell
    {
        public long Hour;
        public PeakEntry Entry;
        public bool Retired;
    }
}
