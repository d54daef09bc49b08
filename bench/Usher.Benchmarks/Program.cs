using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Usher.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Usher.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks chosen by the BenchmarkDotNet command line.</summary>
    public static int Main(string[] args)
    {
        // bench/redis.sh's driver: the Redis ledger's admissions against a live Redis (not a BenchmarkDotNet job).
        if (args is ["redis-admit", .. var rest])
        {
            return RedisAdmissions.RunAsync(rest).GetAwaiter().GetResult();
        }

        // In-process: the generated out-of-process project would inherit the repository's strict build settings
        // (warnings as errors, analyzers) and spend a minute building per run. A short job (3 warm-ups, 3
        // iterations) is enough to read medians and allocations. Every benchmark class carries [MemoryDiagnoser].
        var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess");
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddColumn(StatisticColumn.Median)
            .WithArtifactsPath(Environment.GetEnvironmentVariable("BDN_ARTIFACTS")
                ?? Path.Combine(Path.GetTempPath(), "usher-bdn"));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
