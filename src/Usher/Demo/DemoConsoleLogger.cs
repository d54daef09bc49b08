using Microsoft.Extensions.Logging;

namespace Usher.Cli.Demo;

/// <summary>Shows the gateway's events in the demo's narration: event id and message, one line each.</summary>
internal sealed class DemoConsoleLoggerProvider(Action<EventId, LogLevel, string> write) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new DemoLogger(write);

    public void Dispose()
    {
    }

    private sealed class DemoLogger(Action<EventId, LogLevel, string> write) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => write(eventId, logLevel, formatter(state, exception));
    }
}
