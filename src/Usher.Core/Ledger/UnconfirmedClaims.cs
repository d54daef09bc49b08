using System.Collections.Concurrent;

namespace Usher.Ledger;

/// <summary>The claims of one listener not yet confirmed by the backend, per identity: sessions whose client named an
/// identity (a PostgreSQL role, an MQTT client id, a Basic-auth user) that the backend has not accepted yet. They are
/// counted apart from the ledger's sessions, so they never take an admitted session's place, and bounded per identity
/// (MaxUnconfirmedPerIdentity) so that claims no one can prove stay few. Lock-free, as the ledger's counters: a
/// counter is removed when its identity's last claim ends.</summary>
public sealed class UnconfirmedClaims
{
    private readonly ConcurrentDictionary<string, Counter> _claims = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Claims held now, of every identity.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Takes a claim of <paramref name="identity"/> if it has fewer than <paramref name="limit"/>.</summary>
    /// <param name="identity">The identity claimed.</param>
    /// <param name="limit">The most claims it may hold.</param>
    /// <param name="count">The identity's claims after this one (when taken) or now (when not).</param>
    /// <returns><c>true</c> when taken: <see cref="Release"/> it exactly once.</returns>
    public bool TryClaim(string identity, int limit, out int count)
    {
        while (true)
        {
            var counter = _claims.GetOrAdd(identity, static _ => new Counter());
            count = Volatile.Read(ref counter.Value);
            if (count < 0)
            {
                // Retired by its last release: a fresh counter is about to replace it.
                Thread.Yield();
                continue;
            }

            if (count >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter.Value, count + 1, count) == count)
            {
                count++;
                Interlocked.Increment(ref _total);
                return true;
            }
        }
    }

    /// <summary>Gives back a claim taken by <see cref="TryClaim"/>.</summary>
    public void Release(string identity)
    {
        if (!_claims.TryGetValue(identity, out var counter))
        {
            throw new InvalidOperationException("No claim of this identity is held.");
        }

        Interlocked.Decrement(ref _total);
        if (Interlocked.Decrement(ref counter.Value) == 0 && Interlocked.CompareExchange(ref counter.Value, -1, 0) == 0)
        {
            _claims.TryRemove(KeyValuePair.Create(identity, counter));
        }
    }

    /// <summary>Claims of <paramref name="identity"/> held now.</summary>
    public int Count(string identity) =>
        _claims.TryGetValue(identity, out var counter) ? Math.Max(0, Volatile.Read(ref counter.Value)) : 0;

    private sealed class Counter
    {
        public int Value;
    }
}
