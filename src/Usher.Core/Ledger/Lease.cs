using Usher.Sessions;

namespace Usher.Ledger;

/// <summary>One admitted session's place in the ledger. <see cref="Release"/> gives it back; calling it again
/// does nothing, so every path that ends a session may call it. The caller may supply the lease object — a session
/// is its own lease, so admission allocates nothing — or let the ledger make one. A released lease may be bound
/// again by a later admission of the same owner (a session whose login failed and that logs in again). The ledger may
/// take a held lease back (<see cref="Revoke"/>): a networked ledger that lost it tells the owner, which ends.</summary>
public class Lease
{
    private const int Unbound = 0;
    private const int Held = 1;
    private const int Released = 2;

    private int _state;
    private LeaseBinding _binding;

    /// <summary>The identity the lease counts against.</summary>
    public string Identity => _binding.Identity ?? string.Empty;

    /// <summary>The id of the session the lease counts, when it is one (a networked ledger names its lease after it);
    /// <c>null</c> for a lease made by the ledger.</summary>
    public virtual long? SessionId => null;

    /// <summary>Whether the lease holds a place now.</summary>
    internal bool IsHeld => Volatile.Read(ref _state) == Held;

    /// <summary>Whether the lease was released (and not bound again since).</summary>
    public bool IsReleased => Volatile.Read(ref _state) == Released;

    /// <summary>Binds the lease to the place a ledger has just counted; only ledgers call it.</summary>
    /// <returns><c>false</c> when the lease is held already: one lease counts one session at a time.</returns>
    public bool TryBind(in LeaseBinding binding)
    {
        if (Volatile.Read(ref _state) == Held)
        {
            return false;
        }

        _binding = binding;
        Volatile.Write(ref _state, Held);
        return true;
    }

    /// <summary>Takes the lease back from its owner: the ledger no longer counts it (a networked ledger lost it, its
    /// TTL expired, its node was declared dead). Only ledgers call it. The place is not given back to the ledger (it
    /// is gone already); a later <see cref="Release"/> does nothing. The owner hears of it through
    /// <see cref="OnRevoked"/>, on the ledger's thread.</summary>
    /// <param name="why">Why, in words, for the owner's log.</param>
    /// <returns><c>true</c> when the lease was held and is now revoked.</returns>
    public bool Revoke(string why)
    {
        if (Interlocked.CompareExchange(ref _state, Released, Held) != Held)
        {
            return false;
        }

        OnRevoked(why);
        return true;
    }

    /// <summary>Called once when the ledger revokes the lease, on the ledger's thread: the owner ends the session (a
    /// gateway session closes as Revoked). Must not block, must not throw.</summary>
    protected virtual void OnRevoked(string why)
    {
    }

    /// <summary>Releases the lease; only the first call after an admission has an effect. The place goes to the
    /// oldest newcomer of the identity waiting in line, if any, else it is freed.</summary>
    /// <param name="reason">Why the session ended (a networked ledger records it with the release).</param>
    /// <returns><c>true</c> for the call that released it.</returns>
    /// <remarks>Internal: only what ends a session gives its place back (the gateway, to which Core shows its
    /// internals, and the tests). A ledger is told through <see cref="ILeaseLedger.Release"/>; the admin side sees
    /// sessions through <c>IGatewayControl</c> and never holds a lease.</remarks>
    internal bool Release(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _state, Released, Held) != Held)
        {
            return false;
        }

        _binding.Ledger.Release(this, _binding, reason);
        return true;
    }
}

/// <summary>Where a lease counts: the ledger that admitted it and that ledger's own bookkeeping.</summary>
/// <param name="Ledger">The ledger to give the place back to.</param>
/// <param name="Identity">The identity counted.</param>
/// <param name="Scope">The listener's scope.</param>
/// <param name="Place">The ledger's per-identity counter (or other handle).</param>
public readonly record struct LeaseBinding(ILeaseLedger Ledger, string Identity, LedgerScope Scope, object? Place);

/// <summary>A ledger that takes leases back.</summary>
public interface ILeaseLedger
{
    /// <summary>Gives back the place a lease held (or hands it to the identity's oldest waiter); called once per
    /// admission, by <see cref="Lease.Release"/>.</summary>
    void Release(Lease lease, in LeaseBinding binding, CloseReason reason);
}
