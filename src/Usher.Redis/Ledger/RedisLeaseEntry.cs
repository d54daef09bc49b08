using Usher.Ledger;

namespace Usher.Redis.Ledger;

/// <summary>One live lease of this node: what its binding points at (<see cref="LeaseBinding.Place"/>), and what the
/// heartbeat renews.</summary>
internal sealed class RedisLeaseEntry(Lease lease, RedisPlace place, string member, int limit)
{
    private int _registered;

    public Lease Lease => lease;

    public RedisPlace Place => place;

    /// <summary>The sorted-set member: <c>{node}/{instance}/{sessionId}</c>.</summary>
    public string Member => member;

    /// <summary>The identity's limit it was admitted under (this node's configuration).</summary>
    public int Limit => limit;

    /// <summary>Whether Redis counts it: <c>false</c> for a lease granted while Redis was away (FailMode Open), until
    /// it is registered.</summary>
    public bool Registered
    {
        get => Volatile.Read(ref _registered) == 1;
        set => Volatile.Write(ref _registered, value ? 1 : 0);
    }
}
