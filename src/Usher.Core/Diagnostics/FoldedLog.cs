using Microsoft.Extensions.Logging;

namespace Usher.Diagnostics;

/// <summary>The folded form of repeated events: one line per identity per interval, with the count.</summary>
public static partial class FoldedLog
{
    /// <summary>Event 9646, the refusals of an identity folded over one interval.</summary>
    [LoggerMessage(EventId = UsherEvents.SessionLimitExceeded, EventName = "SessionLimitExceeded", Level = LogLevel.Warning,
        Message = "Session for \"{Identity}\" on listener \"{Listener}\" exceeded the maximum of {Limit} session(s) ({Count} open); {Refused} more refused in the last {IntervalSeconds} s, last from {Client} (identity {IdentityKind}, limit {Scope}, policy {Policy})")]
    public static partial void SessionLimitExceededRepeated(this ILogger logger, string identity, string listener, int limit, int count, int refused, double intervalSeconds, string client, string identityKind, string scope, string policy);

    /// <summary>Event 9656, the refusals of an identity folded over one interval because the ledger could not decide.</summary>
    [LoggerMessage(EventId = UsherEvents.LedgerUnavailable, EventName = "LedgerUnavailable", Level = LogLevel.Error,
        Message = "Session for \"{Identity}\" on listener \"{Listener}\" refused: the ledger is unavailable (fails closed); {Refused} more refused in the last {IntervalSeconds} s, last from {Client} (identity {IdentityKind})")]
    public static partial void LedgerUnavailableRepeated(this ILogger logger, string identity, string listener, int refused, double intervalSeconds, string client, string identityKind);
}
