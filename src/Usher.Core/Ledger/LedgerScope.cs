namespace Usher.Ledger;

/// <summary>One listener's counters inside a ledger.</summary>
public abstract class LedgerScope
{
    /// <summary>Creates the scope.</summary>
    protected LedgerScope(string listener, int? maxSessions)
    {
        Listener = listener;
        MaxSessions = maxSessions;
    }

    /// <summary>The listener's name.</summary>
    public string Listener { get; }

    /// <summary>The listener-wide limit, or <c>null</c>.</summary>
    public int? MaxSessions { get; }

    /// <summary>Sessions open on this listener.</summary>
    public abstract int Count { get; }
}
