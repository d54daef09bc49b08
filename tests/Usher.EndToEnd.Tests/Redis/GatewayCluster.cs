using System.Globalization;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>N real <c>usher run</c> processes sharing one redis-server through the Redis ledger: nodes <c>gw-a</c>,
/// <c>gw-b</c>, <c>gw-c</c>…, each with its admin endpoint on port 0 and the listeners the test gives (on port 0
/// too), under a key prefix of the cluster's own so clusters of several tests stay apart on one server.</summary>
internal sealed class GatewayCluster : IAsyncDisposable
{
    private readonly List<GatewayNode> _nodes;

    private GatewayCluster(string keyPrefix, List<GatewayNode> nodes)
    {
        KeyPrefix = keyPrefix;
        _nodes = nodes;
    }

    /// <summary>The Redis keys' prefix (<c>Ledger:KeyPrefix</c>) of this cluster.</summary>
    public string KeyPrefix { get; }

    /// <summary>The nodes, in the order of their names.</summary>
    public IReadOnlyList<GatewayNode> Nodes => _nodes;

    /// <summary>The node called <paramref name="name"/>.</summary>
    public GatewayNode this[string name] => _nodes.Single(n => n.Name == name);

    /// <summary>The name of the <paramref name="index"/>th node: <c>gw-a</c>, <c>gw-b</c>, …</summary>
    public static string NodeName(int index) => "gw-" + (char)('a' + index);

    /// <summary>Starts <paramref name="count"/> nodes in parallel and waits until each accepts and answers on its admin
    /// endpoint.</summary>
    /// <param name="redis">The server they share.</param>
    /// <param name="count">How many nodes.</param>
    /// <param name="listeners">The <c>Listeners</c> array (JSON) every node runs, with <c>Listen</c> on port 0.</param>
    /// <param name="ledger">More keys of the <c>Ledger</c> section, e.g. <c>"FailMode": "Closed", "LeaseTtl": "00:00:05"</c>.</param>
    /// <param name="usher">More keys of the <c>Usher</c> section, each followed by a comma.</param>
    public static Task<GatewayCluster> StartAsync(RedisServer redis, int count, string listeners, string? ledger = null, string? usher = null) =>
        StartAsync(redis.Configuration, count, listeners, ledger, usher);

    /// <summary>Starts <paramref name="count"/> nodes as above, sharing the Redis that <paramref name="redis"/> (a
    /// StackExchange.Redis connection string: a server, or Sentinels and a service name) leads to.</summary>
    public static async Task<GatewayCluster> StartAsync(string redis, int count, string listeners, string? ledger = null, string? usher = null)
    {
        var prefix = "usher-test-" + Guid.NewGuid().ToString("N")[..8];
        var starting = Enumerable.Range(0, count)
            .Select(i => GatewayNode.StartAsync(NodeName(i), Config(redis, NodeName(i), prefix, listeners, ledger, usher)))
            .ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var node in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await node.Result.DisposeAsync();
            }

            throw;
        }

        return new GatewayCluster(prefix, starting.Select(t => t.Result).ToList());
    }

    /// <summary>The configuration of one node.</summary>
    public static string Config(string redis, string node, string keyPrefix, string listeners, string? ledger = null, string? usher = null)
    {
        var more = string.IsNullOrEmpty(ledger) ? string.Empty : ", " + ledger;
        return string.Create(CultureInfo.InvariantCulture, $$"""
            { "Usher": {
                "ShutdownGrace": "00:00:01",
                {{usher}}
                "Admin": { "Listen": "127.0.0.1:0" },
                "Ledger": { "Kind": "Redis", "Configuration": "{{redis}}", "Node": "{{node}}", "KeyPrefix": "{{keyPrefix}}"{{more}} },
                "Listeners": {{listeners}} } }
            """);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
    }

    /// <inheritdoc />
    public override string ToString() => string.Join("; ", _nodes);
}
