using StackExchange.Redis;

namespace Usher.Redis.Ledger;

/// <summary>One identity on one listener, on this node: its Redis keys (all under the hash tag
/// <c>{listener:identity}</c>, one Redis Cluster slot), this node's sessions of it, and the identity's count across
/// nodes as last seen (for views). Guarded by its own lock.</summary>
internal sealed class RedisPlace
{
    public RedisPlace(RedisLedgerScope scope, string identity, RedisConnection connection)
    {
        Scope = scope;
        Identity = identity;
        var tag = "{" + scope.Listener + ":" + identity + "}";
        Leases = connection.Key(tag + ":leases");
        Line = connection.Key(tag + ":line");
        Waiters = connection.Key(tag + ":waiters");
        // On a single primary (or a Sentinel set) one script sees the listener's key too; a Redis Cluster keeps it in
        // another slot, and the listener's limit is then this node's own.
        IdentityKeys = [Leases, Line, Waiters];
        AllKeys = [Leases, Line, Waiters, scope.Leases];
    }

    public RedisLedgerScope Scope { get; }

    public string Identity { get; }

    public RedisKey Leases { get; }

    public RedisKey Line { get; }

    public RedisKey Waiters { get; }

    /// <summary>The identity's keys alone.</summary>
    public RedisKey[] IdentityKeys { get; }

    /// <summary>The identity's keys and the listener's.</summary>
    public RedisKey[] AllKeys { get; }

    /// <summary>This node's live leases of the identity (admitted, not yet released or revoked).</summary>
    public int Count;

    /// <summary>Admissions, waiters and releases in flight that hold the place (it is not retired meanwhile).</summary>
    public int Users;

    /// <summary>The identity's leases across nodes, as Redis last answered.</summary>
    public int Seen;

    /// <summary>Removed from its scope: a fresh place replaces it.</summary>
    public bool Retired;
}
