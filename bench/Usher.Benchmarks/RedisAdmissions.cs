using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Configuration;
using Usher.Ledger;
using Usher.Redis;
using Usher.Redis.Ledger;
using Usher.Sessions;

namespace Usher.Benchmarks;

/// <summary>The driver of bench/redis.sh: <c>Usher.Benchmarks redis-admit CONFIGURATION CALLERS SECONDS [WARMUP]</c>.
/// One node's <see cref="RedisSessionLedger"/> against a live Redis; CALLERS concurrent callers each admit a session of
/// their own identity and release it, over and over, for SECONDS, after WARMUP seconds (5 by default) of the same
/// load: long enough for the runtime's tiered compilation to settle, so the figures are those of a gateway that has
/// run a while, not of its first seconds. Prints one line of
/// <c>key=value</c>: admissions, admissions per second, the admission latency's p50, p99 and max (ms, measured around
/// each admission's await), refusals, and the process's CPU time per admission (µs, user + system: a count, steadier
/// than a rate on a shared machine).</summary>
internal static class RedisAdmissions
{
    public static async Task<int> RunAsync(string[] args)
    {
        var warmup = 5.0;
        if (args.Length is < 3 or > 4 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var callers) || callers < 1
            || !double.TryParse(args[2], CultureInfo.InvariantCulture, out var seconds) || seconds <= 0
            || (args.Length == 4 && (!double.TryParse(args[3], CultureInfo.InvariantCulture, out warmup) || warmup < 0)))
        {
            await Console.Error.WriteLineAsync("usage: Usher.Benchmarks redis-admit CONFIGURATION CALLERS SECONDS [WARMUP]");
            return 2;
        }

        var settings = new LedgerSettings
        {
            Configuration = args[0],
            Node = "bench",
            KeyPrefix = "usher-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        await using var connection = await RedisConnection.ConnectAsync(settings);
        await using var ledger = new RedisSessionLedger(connection, globalLimit: 1_000_000, NullLogger.Instance);
        var scope = ledger.CreateScope("bench", maxSessions: null);

        await RunCallersAsync(ledger, scope, callers, TimeSpan.FromSeconds(warmup));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var results = await RunCallersAsync(ledger, scope, callers, TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var latencies = results.SelectMany(r => r.Latencies).Order().ToArray();
        var admitted = latencies.Length - results.Sum(r => r.Refused);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"callers={callers} admissions={latencies.Length} per_second={latencies.Length / elapsed:0} p50_ms={Percentile(latencies, 0.50):0.000} " +
            $"p99_ms={Percentile(latencies, 0.99):0.000} max_ms={Percentile(latencies, 1):0.000} refused={latencies.Length - admitted} " +
            $"cpu_us_per_admission={cpu.TotalMicroseconds / Math.Max(1, latencies.Length):0.0} seconds={elapsed:0.00} warmup={warmup:0.#}"));
        return 0;
    }

    private static async Task<CallerResult[]> RunCallersAsync(RedisSessionLedger ledger, LedgerScope scope, int callers, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            var identity = "10.9." + (i / 250).ToString(CultureInfo.InvariantCulture) + "." + (i % 250).ToString(CultureInfo.InvariantCulture);
            var result = new CallerResult();
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                var admission = await ledger.TryAdmitAsync(scope, identity, limit: 32, lease: null);
                result.Latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (admission.Lease is { } lease)
                {
                    lease.Release(CloseReason.ClientClosed);
                }
                else
                {
                    result.Refused++;
                }
            }

            return result;
        })));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class CallerResult
    {
        public List<double> Latencies { get; } = new(100_000);

        public int Refused { get; set; }
    }
}
