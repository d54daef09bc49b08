using Microsoft.Extensions.Logging;
using Usher.Diagnostics;

namespace Usher.Redis.Ledger;

/// <summary>The Redis ledger's own lines: an outage once when it starts (9656) and once when it ends (9665), and what
/// late releases and re-registrations were made good.</summary>
internal static partial class RedisLedgerLog
{
    [LoggerMessage(EventId = UsherEvents.LedgerUnavailable, EventName = "LedgerUnavailable", Level = LogLevel.Error,
        Message = "The Redis ledger cannot reach {Configuration} ({Problem}); until it answers, new sessions are {Meanwhile}")]
    public static partial void RedisUnavailable(this ILogger logger, string configuration, string problem, string meanwhile);

    [LoggerMessage(EventId = UsherEvents.LedgerRecovered, EventName = "LedgerRecovered", Level = LogLevel.Information,
        Message = "The Redis ledger reaches {Configuration} again after {OutageSeconds:0.0} s: {Registered} live lease(s) registered again, {Released} release(s) applied late, {Dropped} dropped as expired")]
    public static partial void RedisRecovered(this ILogger logger, string configuration, double outageSeconds, int registered, int released, int dropped);

}
