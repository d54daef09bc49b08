namespace Usher.Redis.Ledger;

/// <summary>The Lua scripts of the Redis ledger. Each runs atomically on the server, with the server's clock
/// (<c>TIME</c>): leases and waiters are sorted-set members scored by their expiry in milliseconds, and every script
/// first drops the expired ones of the keys it touches. Identities, listeners and members come in as KEYS and ARGV,
/// never spliced into the text; StackExchange.Redis sends a script by its SHA1 (EVALSHA) once the server knows it, and
/// again in full after a restart (NOSCRIPT).</summary>
/// <remarks>Keys of one identity on one listener share the hash tag <c>{listener:identity}</c> (one Redis Cluster
/// slot): KEYS[1] its leases, KEYS[2] its line (a list, FIFO), KEYS[3] its waiters (their expiry). KEYS[4], when
/// given, is the listener's leases (<c>{listener}</c>), limited by the listener's MaxSessions; on a Redis Cluster it is
/// another slot, and the ledger takes it in a script of its own (<see cref="Take"/>).</remarks>
internal static class RedisScripts
{
    private const string Now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

        """;

    /// <summary>Admission. ARGV: member, identity limit, listener limit (-1: none), TTL ms, mode (<c>try</c>: a
    /// newcomer, refused while others wait; <c>wait</c>: enqueued when the identity's limit refuses and the line has
    /// room; <c>check</c>: a lost lease coming back, under the limits but not behind the line; <c>force</c>: a lease
    /// granted while Redis was away, added whatever the counts). Answers {code, count, limit}: 0 admitted (count: the
    /// identity's leases with this one), 1 refused by the identity's limit, 2 by the listener's, 3 queued.</summary>
    public const string Admit = Now + """
        local member, limit, listenerLimit, ttl, mode = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
        local hasListener = #KEYS >= 4
        local listenerCount = -1
        if hasListener then
          redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
          listenerCount = redis.call('ZCARD', KEYS[4])
        end
        local count = redis.call('ZCARD', KEYS[1])
        local held = redis.call('ZSCORE', KEYS[1], member)
        if mode ~= 'force' and not held then
          if hasListener and listenerLimit >= 0 and listenerCount >= listenerLimit then
            return {2, listenerCount, listenerLimit}
          end
          local waiting = redis.call('ZCARD', KEYS[3])
          if count >= limit or (mode ~= 'check' and waiting > 0) then
            if mode == 'wait' and limit > 0 and waiting < limit then
              redis.call('RPUSH', KEYS[2], member)
              redis.call('ZADD', KEYS[3], now + ttl, member)
              redis.call('PEXPIRE', KEYS[2], ttl)
              redis.call('PEXPIRE', KEYS[3], ttl)
              return {3, count, limit}
            end
            return {1, count, limit}
          end
        end
        redis.call('ZADD', KEYS[1], now + ttl, member)
        redis.call('PEXPIRE', KEYS[1], ttl)
        if hasListener then
          redis.call('ZADD', KEYS[4], now + ttl, member)
          redis.call('PEXPIRE', KEYS[4], ttl)
        end
        return {0, redis.call('ZCARD', KEYS[1]), limit}
        """;

    /// <summary>A place in one sorted set alone (the listener's, on a Redis Cluster). KEYS[1]; ARGV: member, limit (-1:
    /// none), TTL ms, force (1 adds whatever the count). Answers {0, count} when taken, {2, count, limit} when not.</summary>
    public const string Take = Now + """
        local member, limit, ttl, force = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local count = redis.call('ZCARD', KEYS[1])
        if not force and limit >= 0 and count >= limit and not redis.call('ZSCORE', KEYS[1], member) then
          return {2, count, limit}
        end
        redis.call('ZADD', KEYS[1], now + ttl, member)
        redis.call('PEXPIRE', KEYS[1], ttl)
        return {0, redis.call('ZCARD', KEYS[1])}
        """;

    /// <summary>Release, idempotent (an absent member is fine: a retry, or a lease that expired). Then the oldest
    /// live waiter, if every limit allows, is handed the place: its member moves into the leases and its node is told
    /// on its channel. ARGV: member, identity limit, listener limit (-1: none), TTL ms, the hand-off channels' prefix.
    /// Answers {released (1 or 0), heir member or ''}.</summary>
    public const string Release = Now + """
        local member, limit, listenerLimit, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
        local released = redis.call('ZREM', KEYS[1], member)
        redis.call('LREM', KEYS[2], 1, member)
        redis.call('ZREM', KEYS[3], member)
        local hasListener = #KEYS >= 4
        local listenerCount = -1
        if hasListener then
          redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
          redis.call('ZREM', KEYS[4], member)
          listenerCount = redis.call('ZCARD', KEYS[4])
        end
        local count = redis.call('ZCARD', KEYS[1])
        while true do
          local head = redis.call('LINDEX', KEYS[2], 0)
          if not head then break end
          if not redis.call('ZSCORE', KEYS[3], head) then
            redis.call('LPOP', KEYS[2])
          else
            if count >= limit or (listenerLimit >= 0 and listenerCount >= listenerLimit) then break end
            redis.call('LPOP', KEYS[2])
            redis.call('ZREM', KEYS[3], head)
            redis.call('ZADD', KEYS[1], now + ttl, head)
            redis.call('PEXPIRE', KEYS[1], ttl)
            if hasListener then
              redis.call('ZADD', KEYS[4], now + ttl, head)
              redis.call('PEXPIRE', KEYS[4], ttl)
            end
            local owner = string.match(head, '^(.*)/[^/]*$') or head
            redis.call('PUBLISH', ARGV[5] .. owner, head)
            return {released, head}
          end
        end
        return {released, ''}
        """;

    /// <summary>A waiter leaves the line. ARGV: member. Answers 1 when it was still in line (cancelled), 0 when a
    /// hand-off came first (it holds a lease now), -1 when it was gone (expired).</summary>
    public const string Cancel = """
        local member = ARGV[1]
        local removed = redis.call('LREM', KEYS[2], 1, member)
        redis.call('ZREM', KEYS[3], member)
        if removed > 0 then return 1 end
        if redis.call('ZSCORE', KEYS[1], member) then return 0 end
        return -1
        """;

    /// <summary>The heartbeat of one identity on one listener: renews the node's leases and waiters that are still
    /// there. ARGV: TTL ms, the number of leases n, n lease members, then waiter members. Answers {count, leases not
    /// found, waiters handed a place (found among the leases), waiters not found}.</summary>
    public const string Renew = Now + """
        local ttl, n = tonumber(ARGV[1]), tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
        local hasListener = #KEYS >= 4
        if hasListener then redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now) end
        local missing, handed, lost = {}, {}, {}
        for i = 3, 2 + n do
          local m = ARGV[i]
          if redis.call('ZSCORE', KEYS[1], m) and (not hasListener or redis.call('ZSCORE', KEYS[4], m)) then
            redis.call('ZADD', KEYS[1], now + ttl, m)
            if hasListener then redis.call('ZADD', KEYS[4], now + ttl, m) end
          else
            missing[#missing + 1] = m
          end
        end
        for i = 3 + n, #ARGV do
          local m = ARGV[i]
          if redis.call('ZSCORE', KEYS[3], m) then
            redis.call('ZADD', KEYS[3], now + ttl, m)
          elseif redis.call('ZSCORE', KEYS[1], m) then
            handed[#handed + 1] = m
          else
            lost[#lost + 1] = m
          end
        end
        redis.call('PEXPIRE', KEYS[1], ttl)
        if redis.call('EXISTS', KEYS[2]) == 1 then
          redis.call('PEXPIRE', KEYS[2], ttl)
          redis.call('PEXPIRE', KEYS[3], ttl)
        end
        if hasListener then redis.call('PEXPIRE', KEYS[4], ttl) end
        return {redis.call('ZCARD', KEYS[1]), missing, handed, lost}
        """;

    /// <summary>Renews members of one sorted set alone (the listener's, on a Redis Cluster), adding back those not
    /// found: their identity's place was checked. KEYS[1]; ARGV: TTL ms, members.</summary>
    public const string Refresh = Now + """
        local ttl = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
        redis.call('PEXPIRE', KEYS[1], ttl)
        return redis.call('ZCARD', KEYS[1])
        """;

    /// <summary>Removes members from one sorted set alone (the listener's, on a Redis Cluster). KEYS[1]; ARGV: members.</summary>
    public const string Remove = """
        for i = 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
        return 0
        """;
}
