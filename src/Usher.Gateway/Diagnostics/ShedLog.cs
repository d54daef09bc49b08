using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Usher.Diagnostics;
using Usher.Gateway.Engine;

namespace Usher.Gateway.Diagnostics;

/// <summary>Event 9660, folded as 9646 is (<see cref="RefusalLogFolder"/>): the first connection closed at accept for
/// a cause is logged at once, the following ones within RefusalLogInterval are counted and logged as one line when
/// the interval ends (<see cref="Flush"/>, called by the heartbeat). A cause is the spent budget of a listener, or one
/// address of a listener at MaxHandshakesPerSource. Metrics count every one.</summary>
internal sealed class ShedLog(ILogger logger, DescriptorBudget budget, Func<TimeSpan> interval)
{
    private readonly ConcurrentDictionary<(string Listener, IPAddress? Source), Window> _windows = new();

    /// <summary>Causes with an open folding window.</summary>
    public int OpenWindows => _windows.Count;

    /// <summary>Reports one connection closed at accept: for the spent budget (<paramref name="source"/> <c>null</c>),
    /// or because <paramref name="source"/> had <paramref name="max"/> connections in their handshake. Nothing is
    /// allocated but a window when a cause starts.</summary>
    public void Shed(string listener, IPAddress? source, EndPoint client, int max = 0)
    {
        var now = Environment.TickCount64;
        var window = _windows.GetOrAdd((listener, source), static _ => new Window());
        lock (window)
        {
            window.Client = client;
            window.Max = max;
            if (window.Started)
            {
                window.Folded++;
                return;
            }

            window.Started = true;
            window.Start = now;
        }

        logger.ConnectionsShed(listener, 1, 0, client.ToString() ?? string.Empty, Why(source, max));
    }

    /// <summary>Logs one line for every window that ended with folded connections, and forgets quiet ones.</summary>
    public void Flush()
    {
        var now = Environment.TickCount64;
        var length = (long)interval().TotalMilliseconds;
        foreach (var (key, window) in _windows)
        {
            long folded;
            EndPoint? client;
            int max;
            double seconds;
            lock (window)
            {
                if (now - window.Start < length)
                {
                    continue;
                }

                folded = window.Folded;
                client = window.Client;
                max = window.Max;
                seconds = Math.Round((now - window.Start) / 1000.0, 1);
                if (folded == 0)
                {
                    _windows.TryRemove(KeyValuePair.Create(key, window));
                    continue;
                }

                window.Folded = 0;
                window.Start = now;
            }

            logger.ConnectionsShed(key.Listener, folded, seconds, client?.ToString() ?? string.Empty, Why(key.Source, max));
        }
    }

    private string Why(IPAddress? source, int max) => source is null
        ? $"the descriptor budget is spent ({budget.Held} of {budget.Capacity} held; open-files limit {budget.Limit}, "
          + $"reserve {budget.Reserve}, {budget.Others} held by the rest of the process)"
        : $"{source} has {max} connection(s) in their handshake already (MaxHandshakesPerSource)";

    private sealed class Window
    {
        public bool Started;
        public long Start;
        public long Folded;
        public EndPoint? Client;
        public int Max;
    }
}
