namespace Usher.Diagnostics;

/// <summary>Stable event ids: a contract with operators' alerting. Never reuse an id; mark retired ones
/// <c>// Reserved: N</c>.</summary>
public static class UsherEvents
{
    /// <summary>A listener started accepting.</summary>
    public const int ListenerStarted = 9640;
    /// <summary>A session was admitted and connected to its backend.</summary>
    public const int SessionOpened = 9641;
    /// <summary>A session ended, with its close reason.</summary>
    public const int SessionClosed = 9642;
    /// <summary>The gateway stopped accepting and drains its sessions.</summary>
    public const int Draining = 9643;
    /// <summary>A listener's accept loop failed.</summary>
    public const int AcceptFailed = 9644;
    /// <summary>An unexpected error ended a session.</summary>
    public const int SessionFailed = 9645;
    /// <summary>An identity (or the listener, or the process) is at its session limit: the session was refused.</summary>
    public const int SessionLimitExceeded = 9646;
    /// <summary>A dead session was evicted to admit a new one.</summary>
    public const int SessionReclaimed = 9647;
    /// <summary>A peer was found dead.</summary>
    public const int PeerDead = 9648;
    /// <summary>A session idled past IdleTimeout.</summary>
    public const int IdleTimeout = 9649;
    /// <summary>A handshake was malformed, oversized or too slow.</summary>
    public const int HandshakeRejected = 9650;
    /// <summary>A client connected faster than ConnectRate allows.</summary>
    public const int ConnectRateExceeded = 9651;
    /// <summary>The backend could not be reached.</summary>
    public const int BackendUnavailable = 9652;
    /// <summary>A session was killed by an operator.</summary>
    public const int SessionKilled = 9653;
    /// <summary>A new configuration was applied.</summary>
    public const int ConfigReloaded = 9654;
    /// <summary>A new configuration was rejected; the running one stays.</summary>
    public const int ConfigRejected = 9655;
    /// <summary>The networked ledger is unreachable.</summary>
    public const int LedgerUnavailable = 9656;

    /// <summary>A reclaim policy started for an identity at its limit.</summary>
    public const int ReclaimStarted = 9657;

    /// <summary>The admin endpoint (HTTP API, /metrics) started listening.</summary>
    public const int AdminStarted = 9658;

    /// <summary>The admin endpoint refused a request: without the right bearer token, with a Host that is not its
    /// own, or a state change from another Origin.</summary>
    public const int AdminUnauthorized = 9659;

    /// <summary>Connections were closed at accept: the descriptor budget was spent, or their address had
    /// MaxHandshakesPerSource connections in their handshake; folded per listener (and address).</summary>
    public const int ConnectionsShed = 9660;

    /// <summary>An event loop failed (epoll_wait returned an error): the gateway stops, the process exits non-zero.</summary>
    public const int ReactorFailed = 9661;

    /// <summary>The ledger revoked a session's lease (a networked ledger lost it): the session ends as Revoked.</summary>
    public const int LeaseRevoked = 9662;

    /// <summary>An operator probes a session's client now (its keepalive shortened, as a reclaim's is).</summary>
    public const int SessionProbed = 9663;

    /// <summary>The peak file (<c>Peaks:File</c>, read by <c>usher advise</c>) could not be read or written; peaks
    /// are still recorded in memory. Logged once per outage, and when it is written again.</summary>
    public const int PeaksNotSaved = 9664;

    /// <summary>The Redis ledger reaches Redis again after an outage (which 9656 opened): the line gives the outage's
    /// duration, the live sessions registered again and the releases applied late.</summary>
    public const int LedgerRecovered = 9665;

    /// <summary>Another live process announces this node's name in the Redis ledger's registry (<c>Ledger:Node</c>
    /// shared by two nodes): this one answers no cluster request for the name until the other's announcement lapses.
    /// Logged at Error when it starts, at Information when this process holds the name again.</summary>
    public const int NodeNameTaken = 9666;
}
