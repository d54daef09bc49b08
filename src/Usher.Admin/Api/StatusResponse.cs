namespace Usher.Admin.Api;

/// <summary><c>GET /api/status</c>: the gateway at a glance. Other tools depend on this shape: add fields, never
/// rename or remove one.</summary>
/// <param name="Version">Usher's version.</param>
/// <param name="StartedAt">When the gateway started.</param>
/// <param name="UptimeSeconds">Whole seconds since then.</param>
/// <param name="Sessions">Sessions open now (the session registry).</param>
/// <param name="Ledger">The ledger's count and the process-wide limit.</param>
/// <param name="Listeners">Every listener.</param>
/// <param name="Refused">Sessions refused at a limit since the admin endpoint started, on all listeners.</param>
public sealed record StatusResponse(
    string Version,
    DateTimeOffset StartedAt,
    long UptimeSeconds,
    int Sessions,
    LedgerStatus Ledger,
    IReadOnlyList<ListenerStatus> Listeners,
    long Refused = 0);

/// <summary>The ledger: sessions counted in all, and the most the process may hold.</summary>
/// <param name="Total">Sessions the ledger counts.</param>
/// <param name="Capacity">The process-wide limit (<c>MaxSessions</c>, or derived from the descriptor limit).</param>
public sealed record LedgerStatus(int Total, int Capacity);

/// <summary>One listener in <see cref="StatusResponse"/>.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Listen">Where it accepts (the real port when configured with port 0).</param>
/// <param name="Backend">Its backend, host:port as configured.</param>
/// <param name="Open">Sessions open on it.</param>
/// <param name="MaxSessionsPerIdentity">The per-identity limit (before overrides).</param>
/// <param name="OnLimit">The policy at the limit.</param>
/// <param name="Refused">Sessions refused at a limit since the admin endpoint started (every one, however the log
/// folds them).</param>
/// <param name="IdentityDisplay">How the listener shows identities: <c>Clear</c>, <c>Hash</c> or <c>Prefix</c>.</param>
public sealed record ListenerStatus(string Name, string Listen, string Backend, int Open, int MaxSessionsPerIdentity, string OnLimit,
    long Refused = 0, string IdentityDisplay = "Clear");
