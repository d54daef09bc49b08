namespace Usher.Configuration;

/// <summary>The <c>Ledger</c> section: where sessions are counted. <see cref="GatewaySettings.Ledger"/> is
/// <c>null</c> when sessions are counted in memory (no section, or <c>"Kind": "InMemory"</c>).</summary>
/// <remarks>Only a restart applies a change to it.</remarks>
public sealed record LedgerSettings
{
    /// <summary>The default <see cref="LeaseTtl"/>.</summary>
    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromSeconds(15);

    /// <summary>The default <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "usher";

    /// <summary>The kind of ledger.</summary>
    public LedgerKind Kind { get; init; } = LedgerKind.Redis;

    /// <summary>The StackExchange.Redis connection string (one server, a Sentinel set with <c>serviceName=</c>, or a
    /// Redis Cluster's nodes).</summary>
    public string Configuration { get; init; } = string.Empty;

    /// <summary>How long a lease lives in Redis without a heartbeat: a node that dies frees its sessions' places
    /// within it (a heartbeat renews every live lease every third of it).</summary>
    /// <remarks>Defaults to 15 seconds.</remarks>
    public TimeSpan LeaseTtl { get; init; } = DefaultLeaseTtl;

    /// <summary>What admission does while Redis is unreachable or slower than <see cref="Timeout"/>.</summary>
    /// <remarks>Defaults to <see cref="LedgerFailMode.Open"/>: the node keeps serving under its own limits.</remarks>
    public LedgerFailMode FailMode { get; init; } = LedgerFailMode.Open;

    /// <summary>The longest any admission, release or heartbeat waits on Redis.</summary>
    /// <remarks>Defaults to 250 milliseconds.</remarks>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>This gateway's name in the cluster; two nodes with one name is a configuration mistake.</summary>
    /// <remarks>Defaults to the machine name.</remarks>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>Whether <see cref="Node"/> is the machine's name because the file names none.</summary>
    public bool NodeIsMachineName { get; init; }

    /// <summary>The prefix of every Redis key, so that one Redis can serve several clusters.</summary>
    /// <remarks>Defaults to <c>usher</c>.</remarks>
    public string KeyPrefix { get; init; } = DefaultKeyPrefix;
}
