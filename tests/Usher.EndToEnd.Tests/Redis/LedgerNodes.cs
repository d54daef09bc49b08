using StackExchange.Redis;
using Usher.Configuration;
using Usher.Ledger;
using Usher.Redis;
using Usher.Redis.Ledger;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Several Redis ledgers in one test process, each a node of its own (its own connection, node name and
/// instance), sharing one redis-server under a key prefix of the test's own; plus a plain connection to look at the
/// keys. Disposing disposes every ledger without releasing anything (as nodes that die).</summary>
internal sealed class LedgerNodes(RedisServer redis, LedgerFailMode failMode = LedgerFailMode.Open, TimeSpan? leaseTtl = null,
    TimeSpan? timeout = null) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private ConnectionMultiplexer? _observer;

    /// <summary>The key prefix of this test: no other test sees its keys.</summary>
    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Every ledger's log.</summary>
    public LogCapture Log { get; } = new();

    /// <summary>The timeout each ledger waits on Redis.</summary>
    public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromMilliseconds(250);

    /// <summary>Starts a node.</summary>
    public async Task<RedisSessionLedger> StartAsync(string node, int globalLimit = 100_000)
    {
        var settings = new LedgerSettings
        {
            Kind = LedgerKind.Redis,
            Configuration = redis.Configuration,
            LeaseTtl = leaseTtl ?? TimeSpan.FromSeconds(15),
            FailMode = failMode,
            Timeout = Timeout,
            Node = node,
            KeyPrefix = Prefix,
        };
        var connection = await RedisConnection.ConnectAsync(settings);
        var ledger = new RedisSessionLedger(connection, globalLimit, Log.CreateFactory().CreateLogger("Usher.Ledger"));
        _owned.Add(connection);
        _owned.Add(ledger);
        return ledger;
    }

    /// <summary>A database to look at the keys with.</summary>
    public async Task<IDatabase> ObserveAsync()
    {
        _observer ??= await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",abortConnect=false");
        return _observer.GetDatabase();
    }

    /// <summary>The identity's leases in Redis, expired ones excepted.</summary>
    public async Task<long> LeasesAsync(string listener, string identity)
    {
        var db = await ObserveAsync();
        var ms = await ServerMillisecondsAsync(db);
        return await db.SortedSetLengthAsync($"{Prefix}:{{{listener}:{identity}}}:leases", ms, double.PositiveInfinity, Exclude.Start);
    }

    /// <summary>The members of the identity's leases in Redis.</summary>
    public async Task<string[]> MembersAsync(string listener, string identity)
    {
        var db = await ObserveAsync();
        return (await db.SortedSetRangeByRankAsync($"{Prefix}:{{{listener}:{identity}}}:leases")).Select(m => m.ToString()).ToArray();
    }

    private static async Task<double> ServerMillisecondsAsync(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000.0 + (long)time[1] / 1000;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_observer is not null)
        {
            await _observer.DisposeAsync();
        }

        Log.Dispose();
    }
}
