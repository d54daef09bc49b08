using System.Net;
using Microsoft.Extensions.Logging;
using Usher.Sessions;

namespace Usher.Diagnostics;

/// <summary>The gateway's events, source-generated: no allocation when a level is off.</summary>
public static partial class GatewayLog
{
    /// <summary>Event 9640.</summary>
    [LoggerMessage(EventId = UsherEvents.ListenerStarted, EventName = "ListenerStarted", Level = LogLevel.Information,
        Message = "Listener \"{Listener}\" accepting on {Endpoint}, backend {Backend}, identity {IdentityKind}, {Limit} session(s) per identity")]
    public static partial void ListenerStarted(this ILogger logger, string listener, EndPoint endpoint, string backend, string identityKind, int limit);

    /// <summary>Event 9641.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionOpened, EventName = "SessionOpened", Level = LogLevel.Debug,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" opened from {Client} to {Backend} ({Count} of {Limit})")]
    public static partial void SessionOpened(this ILogger logger, long sessionId, string identity, string listener, EndPoint client, EndPoint? backend, int count, int limit);

    /// <summary>Event 9642.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionClosed, EventName = "SessionClosed", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" closed: {CloseReason} after {DurationMs} ms, {BytesFromClient} B from client, {BytesFromBackend} B from backend")]
    public static partial void SessionClosed(this ILogger logger, long sessionId, string identity, string listener, CloseReason closeReason, long durationMs, long bytesFromClient, long bytesFromBackend);

    /// <summary>Event 9643.</summary>
    [LoggerMessage(EventId = UsherEvents.Draining, EventName = "Draining", Level = LogLevel.Information,
        Message = "Stopped accepting; draining {Sessions} session(s) for up to {GraceSeconds} s")]
    public static partial void Draining(this ILogger logger, int sessions, double graceSeconds);

    /// <summary>Event 9644.</summary>
    [LoggerMessage(EventId = UsherEvents.AcceptFailed, EventName = "AcceptFailed", Level = LogLevel.Error,
        Message = "Listener \"{Listener}\" failed to accept: {Error}")]
    public static partial void AcceptFailed(this ILogger logger, string listener, string error);

    /// <summary>Event 9645.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionFailed, EventName = "SessionFailed", Level = LogLevel.Error,
        Message = "Session {SessionId} on listener \"{Listener}\" failed")]
    public static partial void SessionFailed(this ILogger logger, Exception exception, long sessionId, string listener);

    /// <summary>Event 9656, the first refusal of an identity in a folding interval because the ledger could not
    /// decide.</summary>
    [LoggerMessage(EventId = UsherEvents.LedgerUnavailable, EventName = "LedgerUnavailable", Level = LogLevel.Error,
        Message = "Session for \"{Identity}\" on listener \"{Listener}\" refused: the ledger is unavailable (fails closed); refused {Client} (identity {IdentityKind})")]
    public static partial void LedgerUnavailable(this ILogger logger, string identity, string listener, EndPoint client, string identityKind);

    /// <summary>Event 9661.</summary>
    [LoggerMessage(EventId = UsherEvents.ReactorFailed, EventName = "ReactorFailed", Level = LogLevel.Critical,
        Message = "Event loop {Reactor} failed: {Problem}; the gateway stops")]
    public static partial void ReactorFailed(this ILogger logger, Exception exception, int reactor, string problem);

    /// <summary>Event 9662.</summary>
    [LoggerMessage(EventId = UsherEvents.LeaseRevoked, EventName = "LeaseRevoked", Level = LogLevel.Warning,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\": the ledger revoked its lease ({Why}); closing")]
    public static partial void LeaseRevoked(this ILogger logger, long sessionId, string identity, string listener, string why);

    /// <summary>Event 9646, the first refusal of an identity in a folding interval.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionLimitExceeded, EventName = "SessionLimitExceeded", Level = LogLevel.Warning,
        Message = "Session for \"{Identity}\" on listener \"{Listener}\" exceeded the maximum of {Limit} session(s) ({Count} open); refused {Client} (identity {IdentityKind}, limit {Scope}, policy {Policy})")]
    public static partial void SessionLimitExceeded(this ILogger logger, string identity, string listener, int limit, int count, EndPoint client, string identityKind, string scope, string policy);

    /// <summary>Event 9648.</summary>
    [LoggerMessage(EventId = UsherEvents.PeerDead, EventName = "PeerDead", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\": {Side} found dead by {Detector}; closing the other side")]
    public static partial void PeerDead(this ILogger logger, long sessionId, string identity, string listener, string side, string detector);

    /// <summary>Event 9649.</summary>
    [LoggerMessage(EventId = UsherEvents.IdleTimeout, EventName = "IdleTimeout", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" idle for {IdleSeconds} s (IdleTimeout {TimeoutSeconds} s); closing")]
    public static partial void IdleTimeout(this ILogger logger, long sessionId, string identity, string listener, double idleSeconds, double timeoutSeconds);

    /// <summary>Event 9653.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionKilled, EventName = "SessionKilled", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" killed by {By}; closing both sides")]
    public static partial void SessionKilled(this ILogger logger, long sessionId, string identity, string listener, string by);

    /// <summary>Event 9663.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionProbed, EventName = "SessionProbed", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" probed by {By}: its client has {BudgetSeconds} s to answer {Probes} keepalive probe(s)")]
    public static partial void SessionProbed(this ILogger logger, long sessionId, string identity, string listener, string by, double budgetSeconds, int probes);

    /// <summary>Event 9652.</summary>
    [LoggerMessage(EventId = UsherEvents.BackendUnavailable, EventName = "BackendUnavailable", Level = LogLevel.Error,
        Message = "Backend {Backend} of listener \"{Listener}\" unavailable for {Client} (\"{Identity}\"): {Problem} after {ElapsedMs} ms")]
    public static partial void BackendUnavailable(this ILogger logger, string backend, string listener, EndPoint client, string identity, string problem, long elapsedMs);

    /// <summary>Event 9647.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionReclaimed, EventName = "SessionReclaimed", Level = LogLevel.Information,
        Message = "Session {SessionId} for \"{Identity}\" on listener \"{Listener}\" closed ({CloseReason}) to admit a new session from {NewClient}: {Why}")]
    public static partial void SessionReclaimed(this ILogger logger, long sessionId, string identity, string listener, CloseReason closeReason, EndPoint newClient, string why);

    /// <summary>Event 9646's companion at Information: a reclaim started for an identity at its limit.</summary>
    [LoggerMessage(EventId = UsherEvents.ReclaimStarted, EventName = "ReclaimStarted", Level = LogLevel.Information,
        Message = "\"{Identity}\" on listener \"{Listener}\" is at its limit of {Limit}: {Policy} for {Client}, probing {Candidates} idle session(s)")]
    public static partial void ReclaimStarted(this ILogger logger, string identity, string listener, int limit, string policy, EndPoint client, int candidates);

    /// <summary>Event 9650.</summary>
    [LoggerMessage(EventId = UsherEvents.HandshakeRejected, EventName = "HandshakeRejected", Level = LogLevel.Warning,
        Message = "Handshake from {Client} on listener \"{Listener}\" rejected: {Problem}")]
    public static partial void HandshakeRejected(this ILogger logger, EndPoint client, string listener, string problem);

    /// <summary>Event 9651.</summary>
    [LoggerMessage(EventId = UsherEvents.ConnectRateExceeded, EventName = "ConnectRateExceeded", Level = LogLevel.Warning,
        Message = "{Address} on listener \"{Listener}\" opened connections faster than {PerIp} per {WindowSeconds} s; {Refused} refused since the last report")]
    public static partial void ConnectRateExceeded(this ILogger logger, string address, string listener, int perIp, double windowSeconds, long refused);

    /// <summary>Event 9660: connections closed at accept, folded per listener (and address) over RefusalLogInterval.</summary>
    [LoggerMessage(EventId = UsherEvents.ConnectionsShed, EventName = "ConnectionsShed", Level = LogLevel.Warning,
        Message = "Listener \"{Listener}\" closed {Refused} connection(s) at accept in the last {IntervalSeconds} s, last from {Client}: {Why}")]
    public static partial void ConnectionsShed(this ILogger logger, string listener, long refused, double intervalSeconds, string client, string why);

    /// <summary>Event 9654: a reload applied a new configuration.</summary>
    [LoggerMessage(EventId = UsherEvents.ConfigReloaded, EventName = "ConfigReloaded", Level = LogLevel.Information,
        Message = "Configuration {Source} reloaded: {Changes}")]
    public static partial void ConfigReloaded(this ILogger logger, string source, string changes);

    /// <summary>Event 9655: a reload found the new configuration unusable; the running one stays, untouched.</summary>
    [LoggerMessage(EventId = UsherEvents.ConfigRejected, EventName = "ConfigRejected", Level = LogLevel.Error,
        Message = "Configuration {Source} rejected, the running configuration stays unchanged; {ProblemCount} problem(s):{Problems}")]
    public static partial void ConfigRejected(this ILogger logger, string source, int problemCount, string problems);

    /// <summary>Event 9664: the peak file cannot be written (once per outage).</summary>
    [LoggerMessage(EventId = UsherEvents.PeaksNotSaved, EventName = "PeaksNotSaved", Level = LogLevel.Warning,
        Message = "Peaks cannot be written to {File}: {Problem}; they are kept in memory and written when the file can be")]
    public static partial void PeaksNotSaved(this ILogger logger, string file, string problem);

    /// <summary>Event 9664: the peak file cannot be read at start; it is set aside and a new one begins.</summary>
    [LoggerMessage(EventId = UsherEvents.PeaksNotSaved, EventName = "PeaksNotRead", Level = LogLevel.Warning,
        Message = "Peaks cannot be read from {File}: {Problem}; it is kept as {SetAside} and a new file begins")]
    public static partial void PeaksNotRead(this ILogger logger, string file, string problem, string setAside);

    /// <summary>Event 9664, at Information: the peak file is written again after an outage.</summary>
    [LoggerMessage(EventId = UsherEvents.PeaksNotSaved, EventName = "PeaksSavedAgain", Level = LogLevel.Information,
        Message = "Peaks are written to {File} again, after {OutageSeconds} s")]
    public static partial void PeaksSavedAgain(this ILogger logger, string file, double outageSeconds);
}
