namespace Usher.Diagnostics;

/// <summary>What happened to a session, as the event hub tells its subscribers (the dashboard's stream).</summary>
public enum GatewayEventKind
{
    /// <summary>A session was refused at a limit (event 9646; every refusal, not folded).</summary>
    Refused,

    /// <summary>A session was closed to admit a new one (event 9647).</summary>
    Reclaimed,

    /// <summary>A peer was found dead (event 9648).</summary>
    PeerDead,

    /// <summary>An operator killed a session (event 9653).</summary>
    Killed,

    /// <summary>An admitted session ended (event 9642).</summary>
    Closed,

    /// <summary>An operator probes a session's client (event 9663).</summary>
    Probed,
}
