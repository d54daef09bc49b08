using Microsoft.Extensions.Logging;
using Usher.Diagnostics;

namespace Usher.Admin;

/// <summary>The admin endpoint's events, source-generated.</summary>
internal static partial class AdminLog
{
    /// <summary>Event 9658.</summary>
    [LoggerMessage(EventId = UsherEvents.AdminStarted, EventName = "AdminStarted", Level = LogLevel.Information,
        Message = "Admin API listening on {Url} ({Access})")]
    public static partial void AdminStarted(this ILogger logger, string url, string access);

    /// <summary>Event 9659.</summary>
    [LoggerMessage(EventId = UsherEvents.AdminUnauthorized, EventName = "AdminUnauthorized", Level = LogLevel.Warning,
        Message = "Admin API refused {Method} {Path} from {Remote}: {Why}")]
    public static partial void AdminUnauthorized(this ILogger logger, string method, string path, string remote, string why);
}
