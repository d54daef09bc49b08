using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Usher.Configuration;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Redis.Ledger;

/// <summary>One quota across every node that shares a Redis server: each admission is one Lua script that drops
/// expired leases, counts and adds the lease only under the identity's and the listener's limits, so the limits hold
/// at every instant across nodes. Leases are sorted-set members <c>{node}/{instance}/{sessionId}</c> scored by their
/// expiry on Redis's clock; every node renews its own in one batched heartbeat every third of LeaseTtl, so a node that
/// dies loses its places within LeaseTtl. No caller waits on Redis longer than <c>Ledger:Timeout</c>; while Redis is
/// away the ledger follows its FailMode (docs/ledger.md).</summary>
/// <remarks>The process-wide MaxSessions stays this node's own (it guards this process's descriptors) and is counted
/// here, in memory; the views (<see cref="Total"/>, <see cref="Count"/>, <see cref="Waiting"/>, a scope's count) are
/// this node's, except <see cref="Count"/>, which answers the identity's count across nodes as Redis last gave it.</remarks>
internal sealed partial class RedisSessionLedger : ISessionLedger, ILeaseLedger, IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, RedisLeaseEntry> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _releasing = new();
    private readonly string _ttl;
    private readonly string _handoffPrefix;
    private int _total;
    private int _globalLimit;
    private long _leaseCounter;
    private bool _onCluster;

    /// <summary>Creates the ledger and starts its heartbeat.</summary>
    /// <param name="connection">The process's connection to Redis.</param>
    /// <param name="globalLimit">This node's MaxSessions.</param>
    /// <param name="logger">Where outages are logged (9656, 9665).</param>
    /// <param name="time">The clock of the heartbeat.</param>
    public RedisSessionLedger(RedisConnection connection, int globalLimit, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalLimit);
        _connection = connection;
        _globalLimit = globalLimit;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _ttl = ((long)Settings.LeaseTtl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        _handoffPrefix = connection.KeyPrefix + ":handoff:";
        SenseCluster();
        StartWaiting();
        StartHeartbeat();
        if (!connection.Multiplexer.IsConnected)
        {
            // Redis away at start: the outage begins now, not with the first session's wait.
            BeginOutage(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no connection at start"));
        }
    }

    private LedgerSettings Settings => _connection.Settings;

    private IDatabase Database => _connection.Multiplexer.GetDatabase();

    /// <summary>This node's sessions.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <inheritdoc />
    public int GlobalLimit => Volatile.Read(ref _globalLimit);

    /// <summary>Leases of this node Redis counts now, or will once it is back.</summary>
    internal int Live => _live.Count;

    /// <inheritdoc />
    /// <remarks>MaxSessions is this node's own: a reload applies it at once.</remarks>
    public bool TrySetGlobalLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Volatile.Write(ref _globalLimit, limit);
        return true;
    }

    /// <inheritdoc />
    public LedgerScope CreateScope(string listener, int? maxSessions) => new RedisLedgerScope(listener, maxSessions, _connection);

    /// <inheritdoc />
    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default)
        => AdmitAsync((RedisLedgerScope)scope, identity, limit, lease, waiter: null);

    /// <inheritdoc />
    /// <remarks>Across nodes: the identity's count as Redis last answered (an admission or a heartbeat), or this
    /// node's own when that is more.</remarks>
    public int Count(LedgerScope scope, string identity) =>
        ((RedisLedgerScope)scope).Places.TryGetValue(identity, out var place) ? Math.Max(Volatile.Read(ref place.Seen), Volatile.Read(ref place.Count)) : 0;

    /// <inheritdoc />
    /// <remarks>This node's waiters.</remarks>
    public int Waiting(LedgerScope scope, string identity) =>
        _waiters.Values.Count(w => w.Place.Scope == scope && w.Place.Identity == identity);

    /// <summary>Admits under every limit: this node's MaxSessions here, the identity's and the listener's in Redis (or
    /// under this node's own while Redis is away, FailMode Open). <paramref name="waiter"/>, when given, joins the
    /// identity's line if its limit refuses.</summary>
    private async ValueTask<Admission> AdmitAsync(RedisLedgerScope scope, string identity, int limit, Lease? lease, Waiter? waiter)
    {
        var globalLimit = GlobalLimit;
        if (Interlocked.Increment(ref _total) > globalLimit)
        {
            var count = Interlocked.Decrement(ref _total);
            return new Admission(null, RefusedBy.Global, count, globalLimit);
        }

        var place = scope.Enter(identity, _connection);
        var counted = false;
        var queued = false;
        try
        {
            var member = MemberOf(lease);
            var listenerLimit = ListenerLimit(scope);
            if (OnCluster && scope.MaxSessions is { } perNode && scope.Count >= perNode)
            {
                // A Redis Cluster keeps the listener's key in another slot: its MaxSessions is this node's own.
                return new Admission(null, RefusedBy.Listener, scope.Count, perNode);
            }

            if (InOutage)
            {
                var degraded = Degraded(place, member, limit, lease, ref counted);
                if (WaitsLocally(degraded, waiter))
                {
                    // Redis is away: the line is this node's own, and this node's releases serve it (ClosingWait
                    // holds as with the in-memory ledger). A release between the refusal and now is made good at once.
                    waiter!.Enqueue(place, member, lease, limit, local: true);
                    queued = true;
                    HandOffLocally(place);
                }

                return degraded;
            }

            // Known here before the script runs: a hand-off may come (by message, or by a release on this node)
            // before the script's answer does.
            waiter?.Enqueue(place, member, lease, limit);
            RedisResult result;
            try
            {
                result = await Bounded(Database.ScriptEvaluateAsync(RedisScripts.Admit, KeysOf(place),
                    [member, limit, listenerLimit, _ttl, waiter is null ? "try" : "wait"])).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTrouble(e))
            {
                BeginOutage(e);
                if (waiter is { Task.IsCompleted: true })
                {
                    // Served meanwhile (by a hand-off, or by this node's line as the outage began): its admission
                    // is the waiter's.
                    queued = true;
                    return new Admission(null, RefusedBy.Identity, 0, limit);
                }

                var degraded = Degraded(place, member, limit, lease, ref counted);
                if (WaitsLocally(degraded, waiter))
                {
                    // In this node's line now; if it leaves it unserved, what the script may have added is taken
                    // back then (a place it is served keeps the member, registered when Redis is back).
                    waiter!.MakeLocal();
                    queued = true;
                    HandOffLocally(place);
                }
                else if (!degraded.Admitted)
                {
                    // The script may have run: whatever it added is taken back once Redis answers (or expires).
                    QueueRelease(place, member, limit, listenerLimit);
                }

                return degraded;
            }

            var answer = (RedisResult[])result!;
            var code = (int)answer[0];
            var seen = (int)answer[1];
            switch (code)
            {
                case 0:
                    Volatile.Write(ref place.Seen, seen);
                    return Bind(place, member, limit, lease, registered: true, seen, ref counted);
                case 3 when waiter is not null:
                    queued = true;
                    return new Admission(null, RefusedBy.Identity, seen, limit);
                case 2:
                    return new Admission(null, RefusedBy.Listener, seen, (int)answer[2]);
                default:
                    Volatile.Write(ref place.Seen, seen);
                    return new Admission(null, RefusedBy.Identity, seen, limit);
            }
        }
        finally
        {
            if (!queued)
            {
                waiter?.Withdraw();
            }

            if (!counted)
            {
                Interlocked.Decrement(ref _total);
            }

            scope.Leave(place);
        }
    }

    /// <summary>Whether a newcomer refused while Redis is away waits in this node's own line: one that asked to wait,
    /// refused by its identity's limit, in FailMode Open.</summary>
    private bool WaitsLocally(Admission degraded, Waiter? waiter) =>
        waiter is not null && degraded.RefusedBy == RefusedBy.Identity && Settings.FailMode == LedgerFailMode.Open;

    /// <summary>An admission while Redis is away: FailMode Closed refuses; Open admits under this node's own limits,
    /// and the lease is registered in Redis when it is back.</summary>
    private Admission Degraded(RedisPlace place, string member, int limit, Lease? lease, ref bool counted)
    {
        if (Settings.FailMode == LedgerFailMode.Closed)
        {
            return new Admission(null, RefusedBy.LedgerUnavailable, 0, 0);
        }

        var listenerLimit = place.Scope.MaxSessions ?? int.MaxValue;
        return place.Scope.Count >= listenerLimit
            ? new Admission(null, RefusedBy.Listener, place.Scope.Count, listenerLimit)
            : Bind(place, member, limit, lease, registered: false, seen: 0, ref counted, localLimit: limit);
    }

    /// <summary>Binds the lease to a new entry and counts it on this node; with <paramref name="localLimit"/>, only if
    /// this node holds fewer of the identity's sessions.</summary>
    private Admission Bind(RedisPlace place, string member, int limit, Lease? lease, bool registered, int seen, ref bool counted,
        int localLimit = int.MaxValue)
    {
        lease ??= new Lease();
        var entry = new RedisLeaseEntry(lease, place, member, limit) { Registered = registered };
        int mine;
        lock (place)
        {
            if (place.Count >= localLimit)
            {
                return new Admission(null, RefusedBy.Identity, place.Count, limit);
            }

            mine = ++place.Count;
        }

        place.Scope.Add();
        _live[member] = entry;
        if (!lease.TryBind(new LeaseBinding(this, place.Identity, place.Scope, entry)))
        {
            Forget(entry);
            _ = ReleaseInRedisAsync(place, member, limit);
            throw new InvalidOperationException("The lease already holds a place; release it before admitting again.");
        }

        counted = true;
        return new Admission(lease, RefusedBy.None, Math.Max(seen, mine), limit);
    }

    /// <inheritdoc />
    void ILeaseLedger.Release(Lease lease, in LeaseBinding binding, CloseReason reason)
    {
        var entry = (RedisLeaseEntry)binding.Place!;
        Forget(entry);
        // Never on the caller's thread: a session closing on its reactor does not wait on Redis. Tracked, so that a
        // node that stops sends the releases of the sessions it drained before it lets go of Redis.
        var release = ReleaseInRedisAsync(entry.Place, entry.Member, entry.Limit);
        if (!release.IsCompleted)
        {
            _releasing.TryAdd(release, 0);
            _ = release.ContinueWith(static (t, d) => ((ConcurrentDictionary<Task, byte>)d!).TryRemove(t, out _), _releasing,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Stops counting an entry on this node (released or revoked).</summary>
    private void Forget(RedisLeaseEntry entry)
    {
        if (!_live.TryRemove(KeyValuePair.Create(entry.Member, entry)))
        {
            return;
        }

        var place = entry.Place;
        lock (place)
        {
            place.Count--;
        }

        place.Scope.Remove();
        Interlocked.Decrement(ref _total);
        if (InOutage)
        {
            HandOffLocally(place);
        }

        place.Scope.RetireIfIdle(place);
    }

    /// <summary>Runs the release script (which may hand the place to the oldest waiter); queued for later while Redis
    /// is away.</summary>
    private async Task ReleaseInRedisAsync(RedisPlace place, string member, int limit)
    {
        var listenerLimit = ListenerLimit(place.Scope);
        if (InOutage)
        {
            QueueRelease(place, member, limit, listenerLimit);
            return;
        }

        try
        {
            await RunReleaseAsync(new PendingRelease(place, member, limit, listenerLimit, ExpiresAt: 0)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTrouble(e))
        {
            BeginOutage(e);
            QueueRelease(place, member, limit, listenerLimit);
        }
    }

    private async Task RunReleaseAsync(PendingRelease release)
    {
        var answer = (RedisResult[])(await Bounded(Database.ScriptEvaluateAsync(RedisScripts.Release, KeysOf(release.Place),
            [release.Member, release.Limit, release.ListenerLimit, _ttl, _handoffPrefix])).ConfigureAwait(false))!;
        var heir = (string?)answer[1];
        if (!string.IsNullOrEmpty(heir) && heir.StartsWith(_connection.MemberPrefix, StringComparison.Ordinal))
        {
            // One of ours: no need to wait for the message.
            HandOff(heir);
        }
    }

    /// <summary>Whether Redis is a Redis Cluster (as the multiplexer last saw it): the listener's key is then in
    /// another slot than the identity's, and left out of the scripts.</summary>
    private bool OnCluster => Volatile.Read(ref _onCluster);

    /// <summary>The keys a script of <paramref name="place"/> takes: the identity's, and the listener's but on a
    /// Redis Cluster.</summary>
    private RedisKey[] KeysOf(RedisPlace place) => OnCluster ? place.IdentityKeys : place.AllKeys;

    /// <summary>The listener's limit as the scripts take it (-1: none, or not held in Redis).</summary>
    private int ListenerLimit(RedisLedgerScope scope) => OnCluster ? -1 : scope.MaxSessions ?? -1;

    /// <summary>Looks again at what kind of Redis the multiplexer reaches (at start, and when it reconnects).</summary>
    private void SenseCluster() => Volatile.Write(ref _onCluster, _connection.ReachesCluster());

    /// <summary>The member a lease is known by in Redis.</summary>
    private string MemberOf(Lease? lease) => _connection.MemberPrefix + (lease?.SessionId is { } id
        ? id.ToString(CultureInfo.InvariantCulture)
        : "L" + Interlocked.Increment(ref _leaseCounter).ToString(CultureInfo.InvariantCulture));

    /// <summary>Waits for a Redis call no longer than <c>Ledger:Timeout</c>; a call left behind has its failure
    /// observed.</summary>
    private async Task<T> Bounded<T>(Task<T> call)
    {
        try
        {
            return await call.WaitAsync(Settings.Timeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>What Redis trouble looks like: unreachable, slower than Timeout, or a failover in progress.</summary>
    private static bool IsTrouble(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;
}
