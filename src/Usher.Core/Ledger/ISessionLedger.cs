namespace Usher.Ledger;

/// <summary>Counts sessions per identity, per listener and in all, and admits a new one only under every limit.
/// Asynchronous so that a networked ledger (one quota across nodes) fits behind it; the in-memory ledger
/// completes synchronously and allocates only the lease.</summary>
/// <remarks>
/// <para><b>Waiting admission.</b> A newcomer refused by its identity's own limit may wait in line
/// (<see cref="AdmitOrWaitAsync"/>): the waiters of one identity on one listener form a FIFO, and the release of a lease
/// of that identity hands its place <i>directly</i> to the oldest waiter. The counters never drop on a hand-off, so a
/// newcomer that did not wait cannot take the slot in between, and a newcomer arriving while others wait queues
/// behind them. A hand-off never exceeds a limit: when a reload lowered the identity's, listener's or global limit
/// below what is open, the place is freed instead and the waiter stays in line.</para>
/// <para><b>How a networked ledger meets it.</b> The line is kept beside the counters in the shared store (for Redis, a
/// list per identity under the identity's hash tag, so one script sees counters and line together). Release runs one
/// script that either moves the place to the head of the line (and tells the waiting node, by pub/sub on the
/// identity's channel) or frees it; enqueueing re-checks the counters in the same script, so no release is missed;
/// cancelling removes the entry in one script whose answer says whether a hand-off got there first, in which case the
/// waiter holds a lease it must release. A waiter whose node dies is dropped with the node's leases (LeaseTtl).</para>
/// <para><b>The contract, member by member</b> (docs/ledger.md has the whole of it):</para>
/// <list type="bullet">
/// <item><see cref="TryAdmitAsync(LedgerScope, string, int, Lease?, CancellationToken)"/> and
/// <see cref="AdmitOrWaitAsync"/> may complete later, on any thread: the gateway awaits every admission and never drops
/// one unfinished; a session that ended meanwhile releases the late lease at once. They answer a refusal, never throw,
/// for what a ledger can meet in service: a store it cannot reach is <see cref="RefusedBy.LedgerUnavailable"/>
/// (fail closed, refused in the protocol's words, never put in line), answered within the ledger's own timeout. An
/// exception ends the session as Error.</item>
/// <item>A lease is released exactly once, with the session's close reason (<see cref="Lease.Release"/> calls
/// <see cref="ILeaseLedger.Release"/>); a networked ledger records the reason and must make the release idempotent on
/// its side (a retried release after a timeout).</item>
/// <item>A ledger that loses a lease it had granted (its TTL expired while the store was unreachable, a node was
/// declared dead) calls <see cref="Lease.Revoke"/>: the session ends as Revoked, and its later release does
/// nothing.</item>
/// <item><see cref="GlobalLimit"/> and <see cref="TrySetGlobalLimit"/> carry the process-wide MaxSessions (a reload
/// changes it); a ledger whose global limit lives elsewhere answers <c>false</c>, and the reload says it needs a
/// restart.</item>
/// <item><see cref="Total"/>, <see cref="Count"/> and <see cref="Waiting"/> are for views and logs: cheap, and allowed
/// to be slightly stale (a networked ledger may answer from its last sync).</item>
/// </list>
/// </remarks>
public interface ISessionLedger
{
    /// <summary>Sessions open in all.</summary>
    int Total { get; }

    /// <summary>The process-wide limit (MaxSessions) admissions are held to.</summary>
    int GlobalLimit { get; }

    /// <summary>Applies a new process-wide limit (a reload): admissions from then on are held to it; sessions already
    /// open stay, even over it.</summary>
    /// <returns><c>false</c> when the ledger keeps its global limit elsewhere (it takes a restart).</returns>
    bool TrySetGlobalLimit(int limit);

    /// <summary>Creates the counting scope of one listener.</summary>
    /// <param name="listener">The listener's name.</param>
    /// <param name="maxSessions">The listener-wide limit, or <c>null</c>.</param>
    LedgerScope CreateScope(string listener, int? maxSessions);

    /// <summary>Admits one session of <paramref name="identity"/> if that keeps every limit; the lease must be
    /// released exactly once when the session ends.</summary>
    ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, CancellationToken cancellationToken = default)
        => TryAdmitAsync(scope, identity, limit, null, cancellationToken);

    /// <summary>Admits one session into a lease the caller supplies (a session that is its own lease), so that
    /// admission allocates nothing; <c>null</c> lets the ledger make one. Never waits for a place: a newcomer that
    /// finds others of its identity waiting is refused (it does not pass them).</summary>
    ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default);

    /// <summary>Admits like <see cref="TryAdmitAsync(LedgerScope, string, int, Lease?, CancellationToken)"/>; when the
    /// identity's own limit refuses, waits in line (FIFO per identity and listener) until the release of a lease of
    /// the identity hands its place over, or until <paramref name="cancellationToken"/> is cancelled. A refusal by the
    /// listener's or the process's limit, an identity whose limit is 0, or a line already as long as the identity's
    /// limit is answered at once.</summary>
    /// <returns>The admission (the handed-over lease), or the refusal when the wait was cancelled; never throws for
    /// the cancellation. A hand-off may win a race with the cancellation: the caller then holds the lease and must
    /// release it if it no longer wants it.</returns>
    ValueTask<Admission> AdmitOrWaitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken);

    /// <summary>Sessions of <paramref name="identity"/> open on the scope's listener.</summary>
    int Count(LedgerScope scope, string identity);

    /// <summary>Newcomers of <paramref name="identity"/> waiting in line on the scope's listener.</summary>
    int Waiting(LedgerScope scope, string identity);
}
