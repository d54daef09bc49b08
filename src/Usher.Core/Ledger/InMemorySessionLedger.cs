using System.Collections.Concurrent;
using Usher.Sessions;

namespace Usher.Ledger;

/// <summary>The ledger of one process: lock-free counters (compare-and-swap, as Kestrel's ResourceCounter) per
/// listener and in all, and one small place per identity that counts its sessions and keeps its line of waiting
/// newcomers under a lock of its own (uncontended unless the same identity is admitted on several reactors at once),
/// so a release can hand its place to the oldest waiter atomically. Admission completes synchronously and allocates
/// only the lease; an identity's place is removed when its last session ends and nobody waits, so idle identities
/// cost nothing.</summary>
public sealed partial class InMemorySessionLedger : ISessionLedger, ILeaseLedger
{
    private readonly Counter _global = new();
    private int _globalLimit;

    /// <summary>Creates a ledger.</summary>
    /// <param name="globalLimit">Sessions the whole process may hold.</param>
    public InMemorySessionLedger(int globalLimit = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalLimit);
        _globalLimit = globalLimit;
    }

    /// <inheritdoc />
    public int Total => Volatile.Read(ref _global.Value);

    /// <summary>The process-wide limit (<see cref="ISessionLedger.GlobalLimit"/>). A reload may change it: admissions from then on are held to the new value;
    /// sessions already open stay, even over it.</summary>
    public int GlobalLimit
    {
        get => Volatile.Read(ref _globalLimit);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Volatile.Write(ref _globalLimit, value);
        }
    }

    /// <inheritdoc />
    public bool TrySetGlobalLimit(int limit)
    {
        GlobalLimit = limit;
        return true;
    }

    /// <inheritdoc />
    public LedgerScope CreateScope(string listener, int? maxSessions) => new Scope(listener, maxSessions);

    /// <inheritdoc />
    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(TryAdmit(scope, identity, limit));

    /// <inheritdoc />
    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(TryAdmit(scope, identity, limit, lease));

    /// <summary>The synchronous admission the async one wraps; <paramref name="lease"/> is the caller's lease object,
    /// or <c>null</c> for one made here.</summary>
    public Admission TryAdmit(LedgerScope scope, string identity, int limit, Lease? lease = null) =>
        Admit((Scope)scope, identity, limit, lease, waiter: null);

    /// <summary>Admits under the three limits; refused by the identity's, enqueues <paramref name="waiter"/> when given
    /// and the line has room.</summary>
    private Admission Admit(Scope s, string identity, int limit, Lease? lease, Waiter? waiter)
    {
        var globalLimit = GlobalLimit;
        if (!_global.TryAcquire(globalLimit, out var globalCount))
        {
            return new Admission(null, RefusedBy.Global, globalCount, globalLimit);
        }

        var listenerLimit = s.MaxSessions ?? int.MaxValue;
        if (!s.Total.TryAcquire(listenerLimit, out var listenerCount))
        {
            _global.Release();
            return new Admission(null, RefusedBy.Listener, listenerCount, listenerLimit);
        }

        while (true)
        {
            var place = s.Identities.GetOrAdd(identity, static _ => new Place());
            lock (place)
            {
                if (place.Retired)
                {
                    // Removed by its last release: a fresh place is about to replace it.
                    continue;
                }

                // A newcomer does not pass those already waiting.
                if (place.Count >= limit || place.Waiting > 0)
                {
                    s.Total.Release();
                    _global.Release();
                    var refusal = new Admission(null, RefusedBy.Identity, place.Count, limit);
                    if (waiter is not null && limit > 0 && place.Waiting < limit)
                    {
                        waiter.Enqueue(place);
                    }
                    else
                    {
                        RetireIfIdle(s, identity, place);
                    }

                    return refusal;
                }

                place.Count++;
                lease ??= new Lease();
                if (!lease.TryBind(new LeaseBinding(this, identity, s, place)))
                {
                    place.Count--;
                    s.Total.Release();
                    _global.Release();
                    RetireIfIdle(s, identity, place);
                    throw new InvalidOperationException("The lease already holds a place; release it before admitting again.");
                }

                return new Admission(lease, RefusedBy.None, place.Count, limit);
            }
        }
    }

    /// <inheritdoc />
    public int Count(LedgerScope scope, string identity) =>
        ((Scope)scope).Identities.TryGetValue(identity, out var p) ? Volatile.Read(ref p.Count) : 0;

    /// <inheritdoc />
    public int Waiting(LedgerScope scope, string identity)
    {
        if (!((Scope)scope).Identities.TryGetValue(identity, out var place))
        {
            return 0;
        }

        lock (place)
        {
            return place.Waiting;
        }
    }

    /// <summary>Identities with at least one session on the scope, with their counts.</summary>
    public static IEnumerable<KeyValuePair<string, int>> Identities(LedgerScope scope) =>
        ((Scope)scope).Identities.Select(p => KeyValuePair.Create(p.Key, Volatile.Read(ref p.Value.Count)))
            .Where(p => p.Value > 0);

    /// <inheritdoc />
    void ILeaseLedger.Release(Lease lease, in LeaseBinding binding, CloseReason reason)
    {
        var scope = (Scope)binding.Scope;
        var place = (Place)binding.Place!;
        Waiter? next;
        Admission handed = default;
        lock (place)
        {
            next = place.Line?.First?.Value;
            if (next is not null && CanHandOver(scope, place, next.Limit))
            {
                // The place changes hands: no counter drops, so nobody else can take it in between.
                place.Line!.RemoveFirst();
                var heir = next.Lease ?? new Lease();
                heir.TryBind(new LeaseBinding(this, binding.Identity, scope, place));
                handed = new Admission(heir, RefusedBy.None, place.Count, next.Limit);
            }
            else
            {
                next = null;
                place.Count--;
                RetireIfIdle(scope, binding.Identity, place);
            }
        }

        if (next is null)
        {
            scope.Total.Release();
            _global.Release();
            return;
        }

        next.Complete(handed);
    }

    /// <summary>Whether the place may go on to a waiter without exceeding a limit a reload may have lowered.</summary>
    private bool CanHandOver(Scope scope, Place place, int limit) =>
        place.Count <= limit
        && Volatile.Read(ref scope.Total.Value) <= (scope.MaxSessions ?? int.MaxValue)
        && Volatile.Read(ref _global.Value) <= GlobalLimit;

    /// <summary>Removes a place with no session and nobody waiting; called under its lock.</summary>
    private static void RetireIfIdle(Scope scope, string identity, Place place)
    {
        if (place.Count == 0 && place.Waiting == 0 && !place.Retired)
        {
            place.Retired = true;
            scope.Identities.TryRemove(KeyValuePair.Create(identity, place));
        }
    }

    private sealed class Counter
    {
        public int Value;

        public bool TryAcquire(int limit, out int count)
        {
            while (true)
            {
                count = Volatile.Read(ref Value);
                if (count >= limit)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref Value, count + 1, count) == count)
                {
                    count++;
                    return true;
                }
            }
        }

        public void Release() => Interlocked.Decrement(ref Value);
    }

    /// <summary>One identity on one listener: its sessions and its line of waiting newcomers, both guarded by the
    /// place's own lock.</summary>
    private sealed class Place
    {
        public int Count;
        public bool Retired;
        // Made for the first waiter only: most identities never have one.
        public LinkedList<Waiter>? Line;

        public int Waiting => Line?.Count ?? 0;
    }

    private sealed class Scope(string listener, int? maxSessions) : LedgerScope(listener, maxSessions)
    {
        public Counter Total { get; } = new();

        public ConcurrentDictionary<string, Place> Identities { get; } = new(StringComparer.Ordinal);

        public override int Count => Volatile.Read(ref Total.Value);
    }
}
