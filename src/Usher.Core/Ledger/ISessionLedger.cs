namespace Usher.Ledger;

/// <summary>Counts sessions per identity, per listener and in all, and admits a new one only under every limit.
/// Asynchronous so that a networked ledger (one quota across nodes) fits behind it; the in-memory ledger
/// completes synchronously and allocates only the lease.</summary>
public interface ISessionLedger
{
    /// <summary>Sessions open in all.</summary>
    int Total { get; }

    /// <summary>Creates the counting scope of one listener.</summary>
    /// <param name="listener">The listener's name.</param>
    /// <param name="maxSessions">The listener-wide limit, or <c>null</c>.</param>
    LedgerScope CreateScope(string listener, int? maxSessions);

    /// <summary>Admits one session of <paramref name="identity"/> if that keeps every limit; the lease must be
    /// released exactly once when the session ends.</summary>
    ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, CancellationToken cancellationToken = default)
        => TryAdmitAsync(scope, identity, limit, null, cancellationToken);

    /// <summary>Admits one session into a lease the caller supplies (a session that is its own lease), so that
    /// admission allocates nothing; <c>null</c> lets the ledger make one.</summary>
    ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default);

    /// <summary>Sessions of <paramref name="identity"/> open on the scope's listener.</summary>
    int Count(LedgerScope scope, string identity);
}
