using System.Globalization;
using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>A Redis Cluster of three primaries (no replicas) on 127.0.0.1 and free ports, each with its cluster bus on
/// a free port of its own (<c>cluster-port</c>), nothing persisted, created with <c>redis-cli --cluster create</c>;
/// ready once every primary says the cluster is ok.</summary>
public sealed class RedisClusterSet : IAsyncLifetime
{
    private const int Size = 3;

    private readonly string _directory = Directory.CreateTempSubdirectory("usher-redis-cluster-").FullName;
    private readonly List<RunningProcess> _servers = [];

    /// <summary>Where the primaries listen.</summary>
    public IReadOnlyList<IPEndPoint> Servers { get; private set; } = [];

    /// <summary>The StackExchange.Redis connection string: every primary.</summary>
    public string Configuration => string.Join(',', Servers);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var servers = new List<IPEndPoint>();
        for (var i = 0; i < Size; i++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_directory, $"node-{i}")).FullName;
            var bus = LocalPorts.Free(IPAddress.Loopback);
            var (process, endPoint) = await RedisProcess.StartAsync("redis-server", 0, port =>
            [
                .. RedisProcess.ServerArguments(port, folder), "--cluster-enabled", "yes", "--cluster-config-file",
                Path.Combine(folder, "nodes.conf"), "--cluster-port", bus.ToString(CultureInfo.InvariantCulture),
                "--cluster-node-timeout", "2000",
            ]);
            _servers.Add(process);
            servers.Add(endPoint);
        }

        Servers = servers;
        var create = await RunningProcess.RunAsync(Tools.Find("redis-cli"),
            ["--cluster", "create", .. Servers.Select(s => s.ToString()), "--cluster-replicas", "0", "--cluster-yes"], RedisProcess.StartTimeout);
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed:{Environment.NewLine}{create}");
        }

        foreach (var server in Servers)
        {
            await Eventually.HoldsAsync(async () => RedisProcess.InfoField(await RedisProcess.CliAsync(server, "CLUSTER", "INFO"), "cluster_state") == "ok",
                RedisProcess.StartTimeout, $"{server} saying the cluster is ok");
        }
    }

    /// <summary>How many keys each primary holds now (DBSIZE), in the order of <see cref="Servers"/>.</summary>
    public async Task<IReadOnlyList<long>> KeyCountsAsync()
    {
        var counts = new List<long>();
        foreach (var server in Servers)
        {
            counts.Add(long.TryParse((await RedisProcess.CliAsync(server, "DBSIZE")).Trim(), CultureInfo.InvariantCulture, out var n) ? n : -1);
        }

        return counts;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var process in _servers)
        {
            await process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
