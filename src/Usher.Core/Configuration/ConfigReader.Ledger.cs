using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The <c>Ledger</c> section: where sessions are counted, in memory (no section, or <c>"Kind": "InMemory"</c>)
/// or in Redis (one quota across the nodes that share it). Every key is validated; the Redis connection string's own
/// syntax is checked by the <c>usher</c> command, which knows Redis.</summary>
public sealed partial class ConfigReader
{
    /// <summary>The ledger kinds this build has.</summary>
    internal static readonly string[] LedgerKinds = ["InMemory", "Redis"];

    /// <summary>The shortest LeaseTtl: a heartbeat every third of it must have time to reach Redis.</summary>
    internal static readonly TimeSpan MinLeaseTtl = TimeSpan.FromSeconds(1);

    /// <summary>The longest LeaseTtl: a dead node's places come back within it, so it cannot be long.</summary>
    internal static readonly TimeSpan MaxLeaseTtl = TimeSpan.FromHours(1);

    private const string RedisExample = """
        "Ledger": { "Kind": "Redis", "Configuration": "127.0.0.1:6379", "Node": "gw-a" }
        """;

    private LedgerSettings? ReadLedger(IConfigurationSection usher)
    {
        var section = usher.GetSection("Ledger");
        if (!section.Exists())
        {
            return null;
        }

        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object", $"write {RedisExample.Trim()}, or leave the section out (sessions are counted in memory)");
            return null;
        }

        var kind = section["Kind"];
        var path = section.GetSection("Kind").Path;
        if (string.IsNullOrWhiteSpace(kind))
        {
            Error(path, "the key is missing", """write "Kind": "Redis" (one quota across nodes) or "Kind": "InMemory", or leave the Ledger section out""");
            return null;
        }

        if (!LedgerKinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
        {
            Error(path, $"\"{kind}\" is not a ledger kind", "write \"InMemory\" or \"Redis\", or leave the Ledger section out");
            return null;
        }

        if (kind.Equals("InMemory", StringComparison.OrdinalIgnoreCase))
        {
            CheckKnownKeys(section, ["Kind"]);
            return null;
        }

        CheckKnownKeys(section, ConfigKeys.Ledger);
        return ReadRedisLedger(section);
    }

    private LedgerSettings ReadRedisLedger(IConfigurationSection section)
    {
        var configuration = section["Configuration"];
        if (string.IsNullOrWhiteSpace(configuration))
        {
            Error(section.GetSection("Configuration").Path, "the key is missing",
                "write the Redis server's address as a StackExchange.Redis connection string, e.g. \"127.0.0.1:6379\", or \"sentinel-a:26379,sentinel-b:26379,serviceName=usher\" for a Sentinel set");
        }

        var ttl = Duration(section, "LeaseTtl") ?? LedgerSettings.DefaultLeaseTtl;
        var ttlFits = ttl >= MinLeaseTtl && ttl <= MaxLeaseTtl;
        if (!ttlFits)
        {
            Error(section.GetSection("LeaseTtl").Path, $"\"{section["LeaseTtl"]}\" is outside {MinLeaseTtl:c} to {MaxLeaseTtl:c}",
                "write e.g. \"00:00:15\": a dead node's sessions free their places within it, and every node renews its leases every third of it");
        }

        var timeout = Duration(section, "Timeout") ?? LedgerSettings.DefaultTimeout;
        if (ttlFits && timeout > ttl / 3)
        {
            Error(section.GetSection("Timeout").Path,
                $"\"{section["Timeout"] ?? timeout.ToString("c")}\" is longer than a third of LeaseTtl ({ttl / 3:c}): a heartbeat could not renew the leases before the next one is due",
                "write a Timeout of a few hundred milliseconds (e.g. \"00:00:00.250\"), or a longer LeaseTtl");
        }

        return new LedgerSettings
        {
            Kind = LedgerKind.Redis,
            Configuration = configuration?.Trim() ?? string.Empty,
            LeaseTtl = ttl,
            FailMode = ReadFailMode(section),
            Timeout = timeout,
            Node = LedgerName(section, "Node", Environment.MachineName, "\"gw-a\" (each node a name of its own)"),
            NodeIsMachineName = section["Node"] is null,
            KeyPrefix = LedgerName(section, "KeyPrefix", LedgerSettings.DefaultKeyPrefix, "\"usher\" (the same on every node of one cluster)"),
        };
    }

    private LedgerFailMode ReadFailMode(IConfigurationSection section)
    {
        var text = section["FailMode"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return LedgerFailMode.Open;
        }

        if (Enum.TryParse<LedgerFailMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !char.IsDigit(text[0]))
        {
            return mode;
        }

        Error(section.GetSection("FailMode").Path, $"\"{text}\" is not a fail mode",
            "write \"Open\" (while Redis is unreachable, admit under this node's own limits) or \"Closed\" (refuse new sessions until it answers)");
        return LedgerFailMode.Open;
    }

    /// <summary>A name that goes into Redis keys or lease members: printable, no space, no '/' (it separates a lease
    /// member's parts), no braces (they make Redis Cluster hash tags).</summary>
    private string LedgerName(IConfigurationSection section, string key, string fallback, string example)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (text.Length == 0 || text.Length > 64 || !text.All(c => c is > ' ' and <= '~' and not '/' and not '{' and not '}'))
        {
            Error(section.GetSection(key).Path, $"\"{text}\" is not a usable name",
                $"write 1 to 64 printable ASCII characters without spaces, '/' or braces, e.g. {example}");
            return fallback;
        }

        return text;
    }
}
