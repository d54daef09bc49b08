using System.Globalization;
using System.Security.Cryptography;
using StackExchange.Redis;
using Usher.Configuration;

namespace Usher.Redis;

/// <summary>The one connection of a process to the Redis server of its ledger (and of its cluster bus): owns the
/// multiplexer, and knows this node's name, the key prefix, the timeout no caller waits past, and an
/// <see cref="Instance"/> drawn per process start, so a restarted node never mistakes the leases of its previous life
/// for its own.</summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private RedisConnection(IConnectionMultiplexer multiplexer, LedgerSettings settings)
    {
        Multiplexer = multiplexer;
        Settings = settings;
        Instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        MemberPrefix = string.Create(CultureInfo.InvariantCulture, $"{Node}/{Instance}/");
    }

    /// <summary>The multiplexer every command goes through.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The <c>Ledger</c> section it was made from.</summary>
    public LedgerSettings Settings { get; }

    /// <summary>This gateway's name in the cluster (<c>Ledger:Node</c>).</summary>
    public string Node => Settings.Node;

    /// <summary>The prefix of every key (<c>Ledger:KeyPrefix</c>).</summary>
    public string KeyPrefix => Settings.KeyPrefix;

    /// <summary>The longest any caller waits on Redis (<c>Ledger:Timeout</c>).</summary>
    public TimeSpan Timeout => Settings.Timeout;

    /// <summary>Random per process start: lease members are <c>{node}/{instance}/{id}</c>.</summary>
    public string Instance { get; }

    /// <summary>This process's part of a lease member: <c>{node}/{instance}/</c>.</summary>
    public string MemberPrefix { get; }

    /// <summary>How many times a start through Sentinels tries to reach the primary they name.</summary>
    private const int SentinelConnectAttempts = 10;

    /// <summary>Connects. Redis need not be up: the multiplexer keeps trying in the background, and the ledger answers
    /// by its FailMode meanwhile.</summary>
    public static async Task<RedisConnection> ConnectAsync(LedgerSettings settings, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = Options(settings);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(options, log).ConfigureAwait(false);
                return new RedisConnection(multiplexer, settings);
            }
            catch (RedisConnectionException) when (options.ServiceName is not null && attempt < SentinelConnectAttempts)
            {
                // Through Sentinels the client throws when it cannot reach the primary they name within ConnectTimeout
                // (AbortOnConnectFail does not cover it): a busy machine, or a failover under way. Try again.
                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The multiplexer's options: the connection string, with its timeouts set from <c>Ledger:Timeout</c>
    /// and a start that does not fail while Redis is down.</summary>
    public static ConfigurationOptions Options(LedgerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = ConfigurationOptions.Parse(settings.Configuration);
        var timeout = (int)Math.Max(1, Math.Ceiling(settings.Timeout.TotalMilliseconds));
        options.AbortOnConnectFail = false;
        options.SyncTimeout = timeout;
        options.AsyncTimeout = timeout;
        options.ConnectTimeout = Math.Max(timeout, 1000);
        options.ClientName ??= "usher-" + settings.Node;
        // Completions on the .NET thread pool (which runs with no spinning in usher) rather than on the library's
        // own dedicated threads: fewer threads waking per admission on a small machine.
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }

    /// <summary>What is wrong with <c>Ledger:Configuration</c> as a StackExchange.Redis connection string, or
    /// <c>null</c>.</summary>
    public static string? Problem(string configuration)
    {
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            return options.EndPoints.Count == 0 ? "it names no server" : null;
        }
        catch (ArgumentException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    /// <summary>Whether the multiplexer reaches a Redis Cluster now: keys of two hash tags are then in two slots, and a
    /// PUBLISH counts only the subscribers on the server that took it (it reaches the others through the cluster).</summary>
    public bool ReachesCluster() => Multiplexer.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster);

    /// <summary>A key of this cluster: <c>{prefix}:{rest}</c>.</summary>
    public RedisKey Key(string rest) => KeyPrefix + ":" + rest;

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync().ConfigureAwait(false);
}
