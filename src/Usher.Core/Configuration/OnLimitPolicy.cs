namespace Usher.Configuration;

/// <summary>What a listener does when an identity is at its session limit.</summary>
public enum OnLimitPolicy
{
    /// <summary>Refuse the new session (event 9646).</summary>
    Reject = 0,
    /// <summary>Probe the identity's idle sessions, evict the dead ones, then admit.</summary>
    ReclaimDead,
    /// <summary>Close the identity's longest-idle session to admit the new one.</summary>
    EvictOldestIdle,
    /// <summary>A new session with the same protocol client id replaces the old one.</summary>
    Takeover,
}
