using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Usher.Diagnostics;

/// <summary>Keeps the log readable under a storm of refusals: the first refusal of an identity is logged at once
/// (event 9646); further ones within <c>RefusalLogInterval</c> are counted and logged as one line when the interval
/// ends (<see cref="Flush"/>, called by the heartbeat). Metrics count every refusal; only the log is folded. Windows
/// are kept per identity as counted; lines name it as the listener shows it (<see cref="Refusal.Logged"/>).</summary>
public sealed class RefusalLogFolder
{
    private readonly ConcurrentDictionary<(string Listener, string Identity), Window> _windows = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _intervalTicks;

    /// <summary>Creates a folder.</summary>
    public RefusalLogFolder(ILogger logger, TimeProvider time, TimeSpan interval)
    {
        _logger = logger;
        _time = time;
        Interval = interval;
    }

    /// <summary>How long refusals of one identity are folded into one line (<c>RefusalLogInterval</c>); a reload may
    /// change it, and windows already open end by the new value.</summary>
    public TimeSpan Interval
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _intervalTicks));
        set => Volatile.Write(ref _intervalTicks, value.Ticks);
    }

    /// <summary>Identities with an open folding window.</summary>
    public int OpenWindows => _windows.Count;

    /// <summary>Reports one refusal.</summary>
    public void Refused(in Refusal refusal)
    {
        var now = _time.GetTimestamp();
        var window = _windows.GetOrAdd((refusal.Listener, refusal.Identity), static _ => new Window());
        bool logNow;
        lock (window)
        {
            logNow = !window.Started;
            if (logNow)
            {
                window.Started = true;
                window.Start = now;
            }
            else
            {
                window.Suppressed++;
                window.Last = refusal;
            }
        }

        if (logNow && refusal.Scope == Refusal.LedgerScope)
        {
            _logger.LedgerUnavailable(refusal.Logged, refusal.Listener, refusal.Client, refusal.IdentityKind);
        }
        else if (logNow)
        {
            _logger.SessionLimitExceeded(refusal.Logged, refusal.Listener, refusal.Limit, refusal.Count, refusal.Client,
                refusal.IdentityKind, refusal.Scope, refusal.Policy);
        }
    }

    /// <summary>Logs one line for every window that ended with folded refusals, and forgets quiet ones.</summary>
    public void Flush()
    {
        var now = _time.GetTimestamp();
        var interval = Interval;
        foreach (var (key, window) in _windows)
        {
            Refusal last;
            int suppressed;
            double seconds;
            lock (window)
            {
                var elapsed = _time.GetElapsedTime(window.Start, now);
                if (elapsed < interval)
                {
                    continue;
                }

                suppressed = window.Suppressed;
                last = window.Last;
                seconds = Math.Round(elapsed.TotalSeconds, 1);
                if (suppressed == 0)
                {
                    window.Started = false;
                    _windows.TryRemove(KeyValuePair.Create(key, window));
                    continue;
                }

                window.Suppressed = 0;
                window.Start = now;
            }

            if (last.Scope == Refusal.LedgerScope)
            {
                _logger.LedgerUnavailableRepeated(last.Logged, last.Listener, suppressed, seconds, last.Client.ToString() ?? string.Empty,
                    last.IdentityKind);
                continue;
            }

            _logger.SessionLimitExceededRepeated(last.Logged, last.Listener, last.Limit, last.Count, suppressed, seconds,
                last.Client.ToString() ?? string.Empty, last.IdentityKind, last.Scope, last.Policy);
        }
    }

    private sealed class Window
    {
        public bool Started;
        public long Start;
        public int Suppressed;
        public Refusal Last;
    }
}
