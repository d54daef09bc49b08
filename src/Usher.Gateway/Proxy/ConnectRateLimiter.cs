using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Usher.Configuration;
using Usher.Diagnostics;

namespace Usher.Gateway.Proxy;

/// <summary>ConnectRate: a token bucket per client address, checked at accept before anything is allocated for the
/// connection. A refused connection is closed at once; event 9651 is logged at most once per address per
/// RefusalLogInterval (read each time, so a reload changes it), with the count. Buckets that are full again are
/// forgotten by the heartbeat.</summary>
internal sealed class ConnectRateLimiter(ConnectRateSettings settings, string listener, ILogger logger, Func<TimeSpan> logInterval)
{
    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();
    private readonly double _tokensPerMs = settings.PerIp / Math.Max(1, settings.Window.TotalMilliseconds);

    /// <summary>Addresses with a bucket.</summary>
    public int Tracked => _buckets.Count;

    /// <summary>Takes a token for a new connection from <paramref name="address"/>.</summary>
    public bool TryAcquire(IPAddress address, long nowMs)
    {
        var bucket = _buckets.GetOrAdd(address, static (_, state) => new Bucket(state.PerIp, state.Now), (settings.PerIp, Now: nowMs));
        long refused;
        lock (bucket)
        {
            bucket.Tokens = Math.Min(settings.PerIp, bucket.Tokens + ((nowMs - bucket.LastMs) * _tokensPerMs));
            bucket.LastMs = nowMs;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return true;
            }

            bucket.Refused++;
            if (bucket.LastLoggedMs != 0 && nowMs - bucket.LastLoggedMs < logInterval().TotalMilliseconds)
            {
                return false;
            }

            refused = bucket.Refused;
            bucket.Refused = 0;
            bucket.LastLoggedMs = nowMs;
        }

        var text = address.ToString();
        logger.ConnectRateExceeded(text, listener, settings.PerIp, settings.Window.TotalSeconds, refused);
        return false;
    }

    /// <summary>Forgets buckets that have refilled (their address has been quiet for a window).</summary>
    public void Sweep(long nowMs)
    {
        var quiet = settings.Window.TotalMilliseconds + logInterval().TotalMilliseconds;
        foreach (var (address, bucket) in _buckets)
        {
            if (nowMs - bucket.LastMs > quiet)
            {
                _buckets.TryRemove(KeyValuePair.Create(address, bucket));
            }
        }
    }

    private sealed class Bucket(double tokens, long lastMs)
    {
        public double Tokens = tokens;
        public long LastMs = lastMs;
        public long Refused;
        public long LastLoggedMs;
    }
}
