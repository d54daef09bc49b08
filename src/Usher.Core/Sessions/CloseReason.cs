namespace Usher.Sessions;

/// <summary>Why a session ended. Recorded per session, logged with its close, counted in metrics.</summary>
public enum CloseReason
{
    /// <summary>The session is still open.</summary>
    None = 0,
    /// <summary>The client closed its side (FIN).</summary>
    ClientClosed,
    /// <summary>The backend closed its side (FIN).</summary>
    BackendClosed,
    /// <summary>The client was found dead: keepalive probes or sent data went unanswered, or it reset.</summary>
    ClientDead,
    /// <summary>The backend was found dead: keepalive probes or sent data went unanswered, or it reset.</summary>
    BackendDead,
    /// <summary>No data moved in either direction for longer than IdleTimeout.</summary>
    IdleTimeout,
    /// <summary>A dead session was evicted to admit a new one of the same identity.</summary>
    Reclaimed,
    /// <summary>The identity's longest-idle session was closed to admit a new one.</summary>
    Evicted,
    /// <summary>A new session with the same protocol client id replaced this one.</summary>
    TakenOver,
    /// <summary>An operator killed the session.</summary>
    Killed,
    /// <summary>The gateway shut down and the drain grace period ran out.</summary>
    Shutdown,
    /// <summary>The client's handshake was malformed, oversized or too slow.</summary>
    HandshakeFailed,
    /// <summary>The session was refused at admission (a limit was reached).</summary>
    Refused,
    /// <summary>The backend could not be reached within ConnectTimeout.</summary>
    BackendUnavailable,
    /// <summary>An unexpected error ended the session; the log has the exception.</summary>
    Error,
    /// <summary>The ledger revoked the session's lease (a networked ledger lost it); event 9662 says why.</summary>
    Revoked,
}
