using System.Collections.Concurrent;
using StackExchange.Redis;
using Usher.Ledger;

namespace Usher.Redis.Ledger;

/// <summary>The waiting line across nodes: a newcomer refused by its identity's limit joins the identity's line in
/// Redis (the admission script enqueues it, so no release is missed in between); the release that frees a place hands
/// it to the line's head in the same script and PUBLISHes the heir's member on its node's channel
/// (<c>{prefix}:handoff:{node}/{instance}</c>), which resumes the waiter here. A message lost (a reconnect) is made good
/// by the heartbeat, which finds the waiter among the leases.</summary>
internal sealed partial class RedisSessionLedger
{
    private readonly ConcurrentDictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);
    private long _waiterOrder;
    private RedisChannel _handoffChannel;

    /// <inheritdoc />
    public async ValueTask<Admission> AdmitOrWaitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return await TryAdmitAsync(scope, identity, limit, lease, cancellationToken).ConfigureAwait(false);
        }

        var waiter = new Waiter(this);
        var admission = await AdmitAsync((RedisLedgerScope)scope, identity, limit, lease, waiter).ConfigureAwait(false);
        if (!waiter.Queued)
        {
            return admission;
        }

        waiter.Watch(cancellationToken);
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Subscribes to this node's hand-off channel.</summary>
    private void StartWaiting()
    {
        _handoffChannel = RedisChannel.Literal(_handoffPrefix + _connection.Node + "/" + _connection.Instance);
        var subscribing = _connection.Multiplexer.GetSubscriber().SubscribeAsync(_handoffChannel, (_, message) => HandOff((string?)message));
        // Redis may be away at start: the multiplexer subscribes when it connects, and the heartbeat finds a hand-off
        // whose message was missed.
        _ = subscribing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>A release handed the place to <paramref name="member"/>: if it waits here, it is admitted now.</summary>
    private void HandOff(string? member)
    {
        if (member is not null && _waiters.TryRemove(member, out var waiter))
        {
            Serve(waiter, registered: true);
        }
    }

    /// <summary>While Redis is away (FailMode Open), a place of <paramref name="place"/> freed on this node goes to the
    /// oldest of this node's waiters for it, under this node's own limit; its lease is registered in Redis when Redis
    /// is back, as every lease granted meanwhile.</summary>
    private void HandOffLocally(RedisPlace place)
    {
        while (_waiters.Values.Where(w => w.Local && w.Place == place).MinBy(w => w.Order) is { } oldest)
        {
            // Cancelled meanwhile when it is gone: the next one, if any.
            if (_waiters.TryRemove(KeyValuePair.Create(oldest.Member, oldest)))
            {
                if (!Serve(oldest, registered: false, localLimit: oldest.Limit))
                {
                    // Taken meanwhile by a newcomer: it keeps its turn for the next release.
                    _waiters[oldest.Member] = oldest;
                }

                return;
            }
        }
    }

    /// <summary>Admits a waiter taken out of this node's waiters (with <paramref name="localLimit"/>, only if this node
    /// holds fewer of the identity's sessions). Answers <c>false</c> when that limit refused it: it still waits then,
    /// and keeps its place's use.</summary>
    private bool Serve(Waiter waiter, bool registered, int localLimit = int.MaxValue)
    {
        var place = waiter.Place;
        Interlocked.Increment(ref _total);
        var counted = false;
        var served = true;
        try
        {
            var admission = Bind(place, waiter.Member, waiter.Limit, waiter.Lease, registered, seen: 0, ref counted, localLimit);
            served = admission.Admitted || localLimit == int.MaxValue;
            if (served)
            {
                waiter.TrySetResult(admission);
            }
        }
        catch (InvalidOperationException e)
        {
            waiter.TrySetException(e);
        }
        finally
        {
            if (!counted)
            {
                Interlocked.Decrement(ref _total);
            }

            if (served)
            {
                place.Scope.Leave(place);
            }
        }

        return served;
    }

    /// <summary>Redis is away (FailMode Open): the newcomers waiting in its lines wait in this node's own now, served
    /// by this node's releases under its own limits; those the node's limit lets in are admitted at once.</summary>
    private void ServeLinesLocally()
    {
        var places = new HashSet<RedisPlace>();
        foreach (var waiter in _waiters.Values)
        {
            waiter.MakeLocal();
            places.Add(waiter.Place);
        }

        foreach (var place in places)
        {
            HandOffLocally(place);
        }
    }

    /// <summary>Takes a waiter out of this node's line with a refusal (its wait was cancelled, its entry in Redis was
    /// lost, or the ledger stops).</summary>
    private void Refuse(Waiter waiter)
    {
        if (_waiters.TryRemove(KeyValuePair.Create(waiter.Member, waiter)))
        {
            waiter.TrySetResult(new Admission(null, RefusedBy.Identity, Volatile.Read(ref waiter.Place.Seen), waiter.Limit));
            waiter.Place.Scope.Leave(waiter.Place);
        }
    }

    /// <summary>The wait was cancelled: one script takes the entry out of the line and says whether a hand-off came
    /// first (then the waiter is admitted, and its owner releases the lease it no longer wants).</summary>
    private async Task CancelAsync(Waiter waiter)
    {
        if (waiter.Local)
        {
            // Served by this node's line (Redis was away): no script now; whatever Redis may hold of it is taken back
            // when it answers.
            Refuse(waiter);
            _ = ReleaseInRedisAsync(waiter.Place, waiter.Member, waiter.Limit);
            return;
        }

        int answer;
        try
        {
            answer = (int)await Bounded(Database.ScriptEvaluateAsync(RedisScripts.Cancel, waiter.Place.IdentityKeys, [waiter.Member])).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTrouble(e))
        {
            BeginOutage(e);
            // Whatever happened to the entry meanwhile is taken back once Redis answers.
            QueueRelease(waiter.Place, waiter.Member, waiter.Limit, ListenerLimit(waiter.Place.Scope));
            answer = -1;
        }

        if (answer == 0)
        {
            HandOff(waiter.Member);
        }

        Refuse(waiter);
    }

    /// <summary>A newcomer in line, here: completed by a hand-off (admitted) or by its cancellation (refused).</summary>
    private sealed class Waiter(RedisSessionLedger ledger)
        : TaskCompletionSource<Admission>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private CancellationTokenRegistration _registration;

        public RedisPlace Place { get; private set; } = null!;

        public string Member { get; private set; } = string.Empty;

        public Lease? Lease { get; private set; }

        public int Limit { get; private set; }

        public bool Queued { get; private set; }

        /// <summary>In this node's line alone: it joined while Redis was away (FailMode Open).</summary>
        public bool Local { get; private set; }

        /// <summary>When it joined, among this node's waiters.</summary>
        public long Order { get; private set; }

        /// <summary>Joins this node's waiters, as the admission script may put it in line; holds its place until it
        /// leaves.</summary>
        public void Enqueue(RedisPlace place, string member, Lease? lease, int limit, bool local = false)
        {
            Place = place;
            Member = member;
            Lease = lease;
            Limit = limit;
            Local = local;
            Order = Interlocked.Increment(ref ledger._waiterOrder);
            lock (place)
            {
                place.Users++;
            }

            Queued = true;
            ledger._waiters[member] = this;
        }

        /// <summary>From now on in this node's line alone (Redis is away).</summary>
        public void MakeLocal() => Local = true;

        /// <summary>Leaves this node's waiters: the script admitted or refused it without putting it in line.</summary>
        public void Withdraw()
        {
            if (Queued && ledger._waiters.TryRemove(KeyValuePair.Create(Member, this)))
            {
                Place.Scope.Leave(Place);
            }

            Queued = false;
        }

        public void Watch(CancellationToken cancellationToken)
        {
            _registration = cancellationToken.UnsafeRegister(static w => ((Waiter)w!).Cancelled(), this);
            _ = Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Unregister(), _registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void Cancelled()
        {
            if (!Task.IsCompleted)
            {
                _ = ledger.CancelAsync(this);
            }
        }
    }
}
