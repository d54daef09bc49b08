using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Usher.Cli.Commands;

/// <summary>Console logging: one readable line per event for people, JSON lines for machines.</summary>
internal static class Logging
{
    public static void Configure(ILoggingBuilder logging, string format, LogLevel level)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed start (a listener that cannot bind) is reported by `usher run` itself, without a stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (format.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        }
    }
}
