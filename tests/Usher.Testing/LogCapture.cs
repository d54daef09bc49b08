using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Usher.Testing;

/// <summary>One captured log record.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message,
    IReadOnlyList<KeyValuePair<string, object?>> State, Exception? Exception)
{
    /// <summary>A structured field of the record.</summary>
    public object? this[string name] => State.FirstOrDefault(p => p.Key == name).Value;
}

/// <summary>Captures every log record of a gateway so tests assert on event ids and wait for events.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _records = new();
    private readonly List<(Func<CapturedLog, bool> Match, TaskCompletionSource<CapturedLog> Done)> _waiters = [];
    private readonly Lock _lock = new();

    /// <summary>A logger factory writing into this capture (and nowhere else).</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    /// <summary>Every record so far.</summary>
    public IReadOnlyList<CapturedLog> Records => _records.ToArray();

    /// <summary>Records with the event id.</summary>
    public IReadOnlyList<CapturedLog> WithId(int eventId) => _records.Where(r => r.EventId.Id == eventId).ToArray();

    /// <summary>Waits for a record with <paramref name="eventId"/> (matching <paramref name="match"/>), including one
    /// already captured; fails the test with the log when it does not come in time.</summary>
    public async Task<CapturedLog> WaitForAsync(int eventId, TimeSpan timeout, Func<CapturedLog, bool>? match = null)
    {
        bool Matches(CapturedLog r) => r.EventId.Id == eventId && (match?.Invoke(r) ?? true);
        var done = new TaskCompletionSource<CapturedLog>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var existing = _records.FirstOrDefault(Matches);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((Matches, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"event {eventId} not logged within {timeout}. Log:{Environment.NewLine}{Dump()}");
        }
    }

    /// <summary>The whole log, for failure messages.</summary>
    public string Dump() => string.Join(Environment.NewLine, _records.Select(r => $"[{r.EventId.Id} {r.Level}] {r.Message}"));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Add(CapturedLog record)
    {
        lock (_lock)
        {
            _records.Enqueue(record);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(record))
                {
                    _waiters[i].Done.TrySetResult(record);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            capture.Add(new CapturedLog(category, logLevel, eventId, formatter(state, exception), fields.ToArray(), exception));
        }
    }
}
