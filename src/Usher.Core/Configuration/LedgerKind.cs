namespace Usher.Configuration;

/// <summary>Where sessions are counted.</summary>
public enum LedgerKind
{
    /// <summary>In this process's memory: each node counts its own sessions (the default).</summary>
    InMemory = 0,
    /// <summary>In Redis: every node that shares the Redis server (and the key prefix) shares one quota.</summary>
    Redis,
}
