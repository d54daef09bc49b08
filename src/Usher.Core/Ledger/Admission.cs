namespace Usher.Ledger;

/// <summary>Which limit refused a session.</summary>
public enum RefusedBy
{
    /// <summary>Not refused.</summary>
    None = 0,
    /// <summary>The identity is at its limit on the listener.</summary>
    Identity,
    /// <summary>The listener is at its MaxSessions.</summary>
    Listener,
    /// <summary>The process is at its global MaxSessions.</summary>
    Global,
    /// <summary>The identity has MaxUnconfirmedPerIdentity sessions whose credentials the backend has not accepted
    /// yet.</summary>
    Unconfirmed,
    /// <summary>The ledger could not decide (a networked ledger's store is unreachable) and fails closed: the session
    /// is refused in its protocol's words, as at a limit, and never waits in line.</summary>
    LedgerUnavailable,
}

/// <summary>The answer of <c>ISessionLedger.TryAdmitAsync</c>.</summary>
/// <param name="Lease">The lease when admitted, else <c>null</c>.</param>
/// <param name="RefusedBy">Which limit refused it.</param>
/// <param name="Count">Sessions open at the refusing limit when refused; when admitted, the identity's sessions with this one.</param>
/// <param name="Limit">The refusing limit.</param>
public readonly record struct Admission(Lease? Lease, RefusedBy RefusedBy, int Count, int Limit)
{
    /// <summary>Whether the session was admitted.</summary>
    public bool Admitted => Lease is not null;
}
