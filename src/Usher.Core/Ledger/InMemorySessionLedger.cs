using System.Collections.Concurrent;

namespace Usher.Ledger;

/// <summary>The ledger of one process: lock-free counters (compare-and-swap, as Kestrel's ResourceCounter) per
/// identity, per listener and in all. Admission completes synchronously and allocates only the lease; an identity's
/// counter is removed when its last session ends, so idle identities cost nothing.</summary>
public sealed class InMemorySessionLedger : ISessionLedger, ILeaseLedger
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

    /// <summary>The process-wide limit. A reload may change it: admissions from then on are held to the new value;
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
    public LedgerScope CreateScope(string listener, int? maxSessions) => new Scope(listener, maxSessions);

    /// <inheritdoc />
    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(TryAdmit(scope, identity, limit));

    /// <inheritdoc />
    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(TryAdmit(scope, identity, limit, lease));

    /// <summary>The synchronous admission the async one wraps; <paramref name="lease"/> is the caller's lease object,
    /// or <c>null</c> for one made here.</summary>
    public Admission TryAdmit(LedgerScope scope, string identity, int limit, Lease? lease = null)
    {
        var s = (Scope)scope;
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
            var counter = s.Identities.GetOrAdd(identity, static _ => new Counter());
            var current = Volatile.Read(ref counter.Value);
            if (current < 0)
            {
                // Retired by its last release: a fresh counter is about to replace it.
                Thread.Yield();
                continue;
            }

            if (current >= limit)
            {
                s.Total.Release();
                _global.Release();
                return new Admission(null, RefusedBy.Identity, current, limit);
            }

            if (Interlocked.CompareExchange(ref counter.Value, current + 1, current) == current)
            {
                lease ??= new Lease();
                if (!lease.TryBind(new LeaseBinding(this, identity, s, counter)))
                {
                    ReleasePlace(s, identity, counter);
                    throw new InvalidOperationException("The lease already holds a place; release it before admitting again.");
                }

                return new Admission(lease, RefusedBy.None, current + 1, limit);
            }
        }
    }

    /// <inheritdoc />
    public int Count(LedgerScope scope, string identity) =>
        ((Scope)scope).Identities.TryGetValue(identity, out var c) ? Math.Max(0, Volatile.Read(ref c.Value)) : 0;

    /// <summary>Identities with at least one session on the scope, with their counts.</summary>
    public static IEnumerable<KeyValuePair<string, int>> Identities(LedgerScope scope) =>
        ((Scope)scope).Identities.Select(p => KeyValuePair.Create(p.Key, Math.Max(0, Volatile.Read(ref p.Value.Value))))
            .Where(p => p.Value > 0);

    /// <inheritdoc />
    void ILeaseLedger.Release(Lease lease, in LeaseBinding binding) =>
        ReleasePlace((Scope)binding.Scope, binding.Identity, (Counter)binding.Place!);

    private void ReleasePlace(Scope scope, string identity, Counter counter)
    {
        if (Interlocked.Decrement(ref counter.Value) == 0
            && Interlocked.CompareExchange(ref counter.Value, -1, 0) == 0)
        {
            scope.Identities.TryRemove(KeyValuePair.Create(identity, counter));
        }

        scope.Total.Release();
        _global.Release();
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

    private sealed class Scope(string listener, int? maxSessions) : LedgerScope(listener, maxSessions)
    {
        public Counter Total { get; } = new();

        public ConcurrentDictionary<string, Counter> Identities { get; } = new(StringComparer.Ordinal);

        public override int Count => Volatile.Read(ref Total.Value);
    }
}
