using System.Collections.Concurrent;
using StackExchange.Redis;
using Usher.Ledger;

namespace Usher.Redis.Ledger;

/// <summary>One listener in the Redis ledger: its Redis key (the listener's leases, limited by MaxSessions across
/// nodes), this node's count of its sessions, and one <see cref="RedisPlace"/> per identity this node has sessions or
/// waiters of.</summary>
internal sealed class RedisLedgerScope(string listener, int? maxSessions, RedisConnection connection)
    : LedgerScope(listener, maxSessions)
{
    private int _count;

    /// <summary>The listener's leases across nodes: <c>{prefix}:{listener}:leases</c>.</summary>
    public RedisKey Leases { get; } = connection.Key("{" + listener + "}:leases");

    /// <summary>Each identity's place on this node.</summary>
    public ConcurrentDictionary<string, RedisPlace> Places { get; } = new(StringComparer.Ordinal);

    /// <summary>This node's sessions on the listener.</summary>
    public override int Count => Volatile.Read(ref _count);

    /// <summary>Counts one more of this node's sessions.</summary>
    public void Add() => Interlocked.Increment(ref _count);

    /// <summary>Counts one fewer.</summary>
    public void Remove() => Interlocked.Decrement(ref _count);

    /// <summary>The place of <paramref name="identity"/>, made when missing; the caller holds it
    /// (<see cref="RedisPlace.Users"/>) until it is done, so it is not retired meanwhile.</summary>
    public RedisPlace Enter(string identity, RedisConnection connection)
    {
        while (true)
        {
            var place = Places.GetOrAdd(identity, static (i, state) => new RedisPlace(state.Scope, i, state.Connection), (Scope: this, Connection: connection));
            lock (place)
            {
                if (place.Retired)
                {
                    continue;
                }

                place.Users++;
                return place;
            }
        }
    }

    /// <summary>Lets go of a place taken by <see cref="Enter"/>; it is retired when nothing holds it and it counts
    /// nothing.</summary>
    public void Leave(RedisPlace place)
    {
        lock (place)
        {
            place.Users--;
            RetireIfIdleLocked(place);
        }
    }

    /// <summary>Retires a place that counts nothing and that nothing holds.</summary>
    public void RetireIfIdle(RedisPlace place)
    {
        lock (place)
        {
            RetireIfIdleLocked(place);
        }
    }

    private void RetireIfIdleLocked(RedisPlace place)
    {
        if (place.Users == 0 && place.Count == 0 && !place.Retired)
        {
            place.Retired = true;
            Places.TryRemove(KeyValuePair.Create(place.Identity, place));
        }
    }
}
