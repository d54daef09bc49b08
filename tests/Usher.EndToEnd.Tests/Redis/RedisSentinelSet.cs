using System.Globalization;
using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>A primary and a replica (<c>--replicaof</c>) watched by two redis-sentinel processes (quorum 1, a primary
/// is down after 1 s, a failover times out after 3 s, so a failover takes seconds), all on 127.0.0.1 and free ports,
/// nothing persisted, the sentinels' configuration files in a temporary folder. Ready once the replica is in sync and
/// each sentinel knows the replica and the other sentinel. <see cref="KillPrimaryAsync"/> and
/// <see cref="WaitForFailoverAsync"/> play a failover.</summary>
public sealed class RedisSentinelSet : IAsyncLifetime
{
    /// <summary>The name the sentinels monitor the primary under (StackExchange.Redis <c>serviceName</c>).</summary>
    public const string ServiceName = "usher-field";

    private readonly string _directory = Directory.CreateTempSubdirectory("usher-sentinel-").FullName;
    private readonly List<RunningProcess> _sentinels = [];
    private RunningProcess? _primary;
    private RunningProcess? _replica;

    /// <summary>Where the first primary listens.</summary>
    public IPEndPoint Primary { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the replica listens (the primary after a failover).</summary>
    public IPEndPoint Replica { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the sentinels listen.</summary>
    public IReadOnlyList<IPEndPoint> Sentinels { get; private set; } = [];

    /// <summary>The StackExchange.Redis connection string through the sentinels:
    /// <c>127.0.0.1:S1,127.0.0.1:S2,serviceName=NAME</c>.</summary>
    public string Configuration => $"{string.Join(',', Sentinels)},serviceName={ServiceName}";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        (_primary, Primary) = await RedisProcess.StartAsync("redis-server", 0, port => RedisProcess.ServerArguments(port, Folder("primary")));
        (_replica, Replica) = await RedisProcess.StartAsync("redis-server", 0,
            port => [.. RedisProcess.ServerArguments(port, Folder("replica")), "--replicaof", "127.0.0.1", $"{Primary.Port}"]);
        await Eventually.HoldsAsync(ReplicaInSync, RedisProcess.StartTimeout, "the replica in sync with the primary");

        var sentinels = new List<IPEndPoint>();
        for (var i = 0; i < 2; i++)
        {
            var (process, endPoint) = await RedisProcess.StartAsync("redis-sentinel", 0, port => [WriteSentinelConfig(i, port)]);
            _sentinels.Add(process);
            sentinels.Add(endPoint);
        }

        Sentinels = sentinels;
        foreach (var sentinel in Sentinels)
        {
            await Eventually.HoldsAsync(() => KnowsTheSet(sentinel), RedisProcess.StartTimeout,
                $"sentinel {sentinel} knowing the replica and the other sentinel");
        }
    }

    /// <summary>The primary the sentinels name now.</summary>
    public static async Task<IPEndPoint?> NamedPrimaryAsync(IPEndPoint sentinel)
    {
        var lines = (await RedisProcess.CliAsync(sentinel, "SENTINEL", "get-master-addr-by-name", ServiceName))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 2 && int.TryParse(lines[1], CultureInfo.InvariantCulture, out var port)
            ? new IPEndPoint(IPAddress.Parse(lines[0]), port)
            : null;
    }

    /// <summary>Kills the primary (SIGKILL: no goodbye to anyone, as a crash or a power cut).</summary>
    public async Task KillPrimaryAsync()
    {
        if (_primary is { } primary)
        {
            _primary = null;
            await primary.SignalAsync("KILL");
            await primary.WaitForExitAsync(RedisProcess.StartTimeout);
            await primary.DisposeAsync();
        }
    }

    /// <summary>Waits until both sentinels name the replica primary and the replica says it is one.</summary>
    public async Task WaitForFailoverAsync(TimeSpan timeout)
    {
        await Eventually.HoldsAsync(Promoted, timeout, $"the sentinels naming {Replica} primary");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var process in _sentinels.Append(_replica).Append(_primary).OfType<RunningProcess>())
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

    /// <summary>Describes every process of the set, for a failing test's message.</summary>
    public string Describe() => string.Join(Environment.NewLine,
        _sentinels.Append(_replica).Append(_primary).OfType<RunningProcess>().Select(p => p.Describe()));

    private async Task<bool> Promoted()
    {
        foreach (var sentinel in Sentinels)
        {
            if (!Replica.Equals(await NamedPrimaryAsync(sentinel)))
            {
                return false;
            }
        }

        return RedisProcess.InfoField(await RedisProcess.CliAsync(Replica, "INFO", "replication"), "role") == "master";
    }

    private async Task<bool> ReplicaInSync() =>
        RedisProcess.InfoField(await RedisProcess.CliAsync(Replica, "INFO", "replication"), "master_link_status") == "up";

    private static async Task<bool> KnowsTheSet(IPEndPoint sentinel)
    {
        // SENTINEL MASTER answers field/value lines: num-slaves and num-other-sentinels among them.
        var lines = (await RedisProcess.CliAsync(sentinel, "SENTINEL", "MASTER", ServiceName)).Split('\n', StringSplitOptions.TrimEntries);
        string? Field(string name) => lines.SkipWhile(l => l != name).Skip(1).FirstOrDefault();
        return Field("num-slaves") == "1" && Field("num-other-sentinels") == "1";
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;

    private string WriteSentinelConfig(int index, int port)
    {
        // redis-sentinel rewrites its file (what it learned of the set): it must be writable, one per sentinel.
        var path = Path.Combine(Folder($"sentinel-{index}"), "sentinel.conf");
        File.WriteAllText(path, $"""
            port {port}
            bind 127.0.0.1
            daemonize no
            protected-mode no
            loglevel warning
            dir {Path.GetDirectoryName(path)}
            sentinel monitor {ServiceName} 127.0.0.1 {Primary.Port} 1
            sentinel down-after-milliseconds {ServiceName} 1000
            sentinel failover-timeout {ServiceName} 3000
            sentinel parallel-syncs {ServiceName} 1

            """);
        return path;
    }
}
