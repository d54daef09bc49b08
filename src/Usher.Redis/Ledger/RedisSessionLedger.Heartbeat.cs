using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Usher.Configuration;

namespace Usher.Redis.Ledger;

/// <summary>Leases and outages. Every third of LeaseTtl one heartbeat renews all of this node's leases and waiters, one
/// script per identity, pipelined; a lease found gone (Redis restarted, a failover to a replica that missed the write,
/// keys cleared) is registered again if the limits allow, else revoked (the session ends as Revoked, 9662): never
/// silently over the limit. When Redis cannot be reached (or is slower than Timeout) an outage begins (9656, once);
/// releases are queued meanwhile, and when Redis answers again they are applied, the leases granted meanwhile
/// registered, and the outage ends (9665, with its duration).</summary>
internal sealed partial class RedisSessionLedger
{
    /// <summary>Scripts sent in one pipelined batch, each batch waited for no longer than Timeout.</summary>
    private const int BatchSize = 256;

    private readonly ConcurrentQueue<PendingRelease> _pending = new();
    private readonly SemaphoreSlim _beat = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private long _outageSince;
    private Task _heartbeat = Task.CompletedTask;

    /// <summary>Whether Redis is away now (an outage began and has not ended).</summary>
    internal bool InOutage => Volatile.Read(ref _outageSince) != 0;

    private void StartHeartbeat()
    {
        _connection.Multiplexer.ConnectionFailed += OnConnectionFailed;
        _connection.Multiplexer.ConnectionRestored += OnConnectionRestored;
        _heartbeat = Task.Run(HeartbeatLoopAsync);
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(Settings.LeaseTtl / 3, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await BeatAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        BeginOutage(e.Exception ?? new RedisConnectionException(e.FailureType, e.FailureType.ToString()));

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        SenseCluster();
        if (InOutage)
        {
            _ = BeatAsync();
        }
    }

    /// <summary>One heartbeat: renews this node's leases, or, in an outage, tries to end it. Never throws.</summary>
    internal async Task BeatAsync()
    {
        try
        {
            await _beat.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (InOutage)
            {
                await RecoverAsync().ConfigureAwait(false);
            }
            else
            {
                await RenewAsync(afterOutage: false).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsTrouble(e))
        {
            BeginOutage(e);
        }
        finally
        {
            _beat.Release();
        }
    }

    /// <summary>Redis answers again: the releases queued meanwhile first (they free places), then every live lease is
    /// renewed or registered again; only then the outage ends. Throws while Redis is still away.</summary>
    private async Task RecoverAsync()
    {
        await Bounded(Database.PingAsync()).ConfigureAwait(false);
        int released = 0, dropped = 0;
        while (_pending.TryPeek(out var release))
        {
            if (release.ExpiresAt <= _time.GetTimestamp())
            {
                // The lease expired in Redis by itself: nothing left to give back.
                dropped++;
            }
            else
            {
                await RunReleaseAsync(release).ConfigureAwait(false);
                released++;
            }

            _pending.TryDequeue(out _);
        }

        var registered = await RenewAsync(afterOutage: true).ConfigureAwait(false);
        var since = Interlocked.Exchange(ref _outageSince, 0);
        if (since != 0)
        {
            var seconds = _time.GetElapsedTime(since).TotalSeconds;
            _logger.RedisRecovered(Settings.Configuration, seconds, registered, released, dropped);
        }
    }

    /// <summary>Renews every live lease and waiter of this node, one script per identity and listener, pipelined in
    /// batches. A lease not found is registered again (forced after an outage in FailMode Open: those sessions were
    /// served all along), or revoked when the limits no longer allow it.</summary>
    /// <returns>The leases registered again.</returns>
    private async Task<int> RenewAsync(bool afterOutage)
    {
        var groups = new Dictionary<RedisPlace, (List<RedisLeaseEntry> Leases, List<Waiter> Waiters)>();
        foreach (var entry in _live.Values)
        {
            Group(groups, entry.Place).Leases.Add(entry);
        }

        foreach (var waiter in _waiters.Values)
        {
            Group(groups, waiter.Place).Waiters.Add(waiter);
        }

        var registered = 0;
        foreach (var chunk in groups.Chunk(BatchSize))
        {
            var batch = Database.CreateBatch();
            var calls = new Task<RedisResult>[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                var (place, (leases, waiters)) = chunk[i];
                var args = new RedisValue[2 + leases.Count + waiters.Count];
                args[0] = _ttl;
                args[1] = leases.Count;
                for (var j = 0; j < leases.Count; j++)
                {
                    args[2 + j] = leases[j].Member;
                }

                for (var j = 0; j < waiters.Count; j++)
                {
                    args[2 + leases.Count + j] = waiters[j].Member;
                }

                calls[i] = batch.ScriptEvaluateAsync(RedisScripts.Renew, KeysOf(place), args);
            }

            batch.Execute();
            await Bounded(Task.WhenAll(calls)).ConfigureAwait(false);
            for (var i = 0; i < chunk.Length; i++)
            {
                var answer = (RedisResult[])calls[i].Result!;
                var place = chunk[i].Key;
                Volatile.Write(ref place.Seen, (int)answer[0]);
                foreach (var member in (string[])answer[1]!)
                {
                    if (_live.TryGetValue(member, out var entry) && await RegisterAgainAsync(entry, afterOutage).ConfigureAwait(false))
                    {
                        registered++;
                    }
                }

                foreach (var member in (string[])answer[2]!)
                {
                    HandOff(member);
                }

                foreach (var member in (string[])answer[3]!)
                {
                    if (_waiters.TryGetValue(member, out var lost))
                    {
                        Refuse(lost);
                    }
                }
            }
        }

        return registered;
    }

    private static (List<RedisLeaseEntry> Leases, List<Waiter> Waiters) Group(
        Dictionary<RedisPlace, (List<RedisLeaseEntry> Leases, List<Waiter> Waiters)> groups, RedisPlace place)
    {
        if (!groups.TryGetValue(place, out var group))
        {
            group = ([], []);
            groups[place] = group;
        }

        return group;
    }

    /// <summary>A live lease Redis does not hold (lost, or granted while Redis was away): added again under the limits
    /// — forced for leases served through an outage in FailMode Open — or revoked.</summary>
    /// <returns><c>true</c> when registered again.</returns>
    private async Task<bool> RegisterAgainAsync(RedisLeaseEntry entry, bool afterOutage)
    {
        var place = entry.Place;
        var force = Settings.FailMode == LedgerFailMode.Open && (afterOutage || !entry.Registered);
        var answer = (RedisResult[])(await Bounded(Database.ScriptEvaluateAsync(RedisScripts.Admit, KeysOf(place),
            [entry.Member, entry.Limit, ListenerLimit(place.Scope), _ttl, force ? "force" : "check"])).ConfigureAwait(false))!;
        if ((int)answer[0] == 0)
        {
            entry.Registered = true;
            Volatile.Write(ref place.Seen, (int)answer[1]);
            if (!_live.TryGetValue(entry.Member, out var still) || still != entry)
            {
                // Released while it was being registered: give the place back.
                await RunReleaseAsync(new PendingRelease(place, entry.Member, entry.Limit, ListenerLimit(place.Scope), ExpiresAt: 0)).ConfigureAwait(false);
            }

            return true;
        }

        var why = (int)answer[0] == 2
            ? $"its lease was gone from Redis, and listener {place.Scope.Listener} is at its limit of {(int)answer[2]} across nodes"
            : $"its lease was gone from Redis, and the identity holds its limit of {entry.Limit} across nodes";
        if (entry.Lease.Revoke(why))
        {
            Forget(entry);
        }

        return false;
    }

    /// <summary>Keeps a release for when Redis answers again (or drops it then, if the lease has expired by itself).</summary>
    private void QueueRelease(RedisPlace place, string member, int limit, int listenerLimit)
    {
        var ttl = (long)(Settings.LeaseTtl.TotalSeconds * _time.TimestampFrequency);
        _pending.Enqueue(new PendingRelease(place, member, limit, listenerLimit, _time.GetTimestamp() + ttl));
    }

    /// <summary>While an outage lasts, tries to end it often (a few times a second), not only at the heartbeat: a
    /// Redis that was only slow for a moment is used again at once.</summary>
    private async Task ProbeUntilBackAsync()
    {
        var pause = TimeSpan.FromMilliseconds(Math.Clamp(Settings.Timeout.TotalMilliseconds * 2, 100, 1000));
        try
        {
            while (InOutage && !_stop.IsCancellationRequested)
            {
                await Task.Delay(pause, _time, _stop.Token).ConfigureAwait(false);
                await BeatAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Starts an outage: logged once (9656), however many callers meet it.</summary>
    private void BeginOutage(Exception e)
    {
        if (Interlocked.CompareExchange(ref _outageSince, _time.GetTimestamp(), 0) == 0)
        {
            var problem = e.Message.Split('\n')[0].TrimEnd('.', '\r');
            var meanwhile = Settings.FailMode == LedgerFailMode.Open
                ? "admitted under this node's own limits (FailMode Open)"
                : "refused (FailMode Closed)";
            _logger.RedisUnavailable(Settings.Configuration, problem, meanwhile);
            if (Settings.FailMode == LedgerFailMode.Open)
            {
                ServeLinesLocally();
            }

            _ = ProbeUntilBackAsync();
        }
    }

    /// <summary>Sends the releases already made (waiting no longer than Timeout), then stops the heartbeat and the
    /// hand-offs; the leases still live are not released (they expire in Redis within LeaseTtl: a node that stops
    /// without draining is a node that died).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_releasing.Keys).WaitAsync(Settings.Timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _connection.Multiplexer.ConnectionFailed -= OnConnectionFailed;
        _connection.Multiplexer.ConnectionRestored -= OnConnectionRestored;
        await _heartbeat.ConfigureAwait(false);
        foreach (var waiter in _waiters.Values)
        {
            Refuse(waiter);
        }

        try
        {
            await _connection.Multiplexer.GetSubscriber().UnsubscribeAsync(_handoffChannel).WaitAsync(Settings.Timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTrouble(e))
        {
        }
    }

    /// <summary>A release waiting for Redis to answer again.</summary>
    private readonly record struct PendingRelease(RedisPlace Place, string Member, int Limit, int ListenerLimit, long ExpiresAt);
}
