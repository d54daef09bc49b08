namespace Usher.Ledger;

/// <summary>One listener's counters inside a ledger. A scope outlives a reload of its listener (matched by name), so
/// the sessions opened before the reload and those opened after count together.</summary>
public abstract class LedgerScope
{
    // 0 stands for no limit: a configured MaxSessions is at least 1.
    private int _maxSessions;

    /// <summary>Creates the scope.</summary>
    protected LedgerScope(string listener, int? maxSessions)
    {
        Listener = listener;
        MaxSessions = maxSessions;
    }

    /// <summary>The listener's name.</summary>
    public string Listener { get; }

    /// <summary>The listener-wide limit, or <c>null</c>. A reload may change it: admissions from then on are held to
    /// the new value; sessions already open stay, even over it.</summary>
    public int? MaxSessions
    {
        get => Volatile.Read(ref _maxSessions) is var max and > 0 ? max : null;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value ?? 1, nameof(value));
            Volatile.Write(ref _maxSessions, value ?? 0);
        }
    }

    /// <summary>Sessions open on this listener.</summary>
    public abstract int Count { get; }
}
