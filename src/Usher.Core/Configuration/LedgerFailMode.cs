namespace Usher.Configuration;

/// <summary>What a networked ledger does while its store is unreachable (or slower than its timeout).</summary>
public enum LedgerFailMode
{
    /// <summary>Keep serving: admit under this node's own limits (counted in memory), and register those sessions in
    /// the store when it is back. Across nodes the limit then holds per node only.</summary>
    Open = 0,
    /// <summary>Refuse every new session in its protocol's words (event 9656) until the store answers again.</summary>
    Closed,
}
