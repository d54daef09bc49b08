namespace Usher.Configuration;

/// <summary>The effective configuration of one gateway process.</summary>
public sealed class GatewaySettings
{
    /// <summary>Where the configuration was read from (a file path), for messages.</summary>
    public string Source { get; init; } = "(configuration)";

    /// <summary>The admin endpoint (HTTP API, <c>/metrics</c>); <c>null</c> when the configuration has no
    /// <c>Admin</c> section, and then there is none.</summary>
    public AdminSettings? Admin { get; init; }

    /// <summary>The listeners.</summary>
    public required IReadOnlyList<ListenerSettings> Listeners { get; init; }

    /// <summary>Sessions the whole process may hold; <c>null</c> derives it from the file-descriptor limit.</summary>
    public int? MaxSessions { get; init; }

    /// <summary>Event loops (threads) moving the payload; <c>null</c> for one per processor.</summary>
    public int? Workers { get; init; }

    /// <summary>On shutdown, how long open sessions may drain before they are closed.</summary>
    /// <remarks>Defaults to 30 seconds.</remarks>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The values of the sections only a restart applies (<c>Admin</c>, <c>Ledger</c>), by key as written
    /// (e.g. <c>Admin:Listen</c>), so that a reload can tell an operator when one of them changed.</summary>
    public IReadOnlyDictionary<string, string> RestartOnly { get; init; } = new Dictionary<string, string>();

    /// <summary>The file the key of hashed identities (<c>IdentityDisplay: Hash</c>) was read from, a full path;
    /// <c>null</c> when the configuration names none and a key drawn at start serves.</summary>
    public string? IdentityHashKeyFile { get; init; }

    /// <summary>The key of hashed identities (the file's trimmed content); <c>null</c> for a key drawn once per
    /// process (<see cref="Usher.Identity.IdentityMask.ProcessKey"/>): hashes then change at each restart.</summary>
    public byte[]? IdentityHashKey { get; init; }

    /// <summary>Repeated refusals (9646) of one identity are folded into one line per this interval.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan RefusalLogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where peaks are recorded for <c>usher advise</c> (<c>Peaks</c>); <c>null</c> when not recorded.</summary>
    public PeakSettings? Peaks { get; init; }

    /// <summary>Where sessions are counted: <c>null</c> in this process's memory (no <c>Ledger</c> section, or
    /// <c>"Kind": "InMemory"</c>), else the shared store (Redis) every node of a cluster counts in.</summary>
    public LedgerSettings? Ledger { get; init; }
}
