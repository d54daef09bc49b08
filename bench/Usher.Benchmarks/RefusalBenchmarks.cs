using Usher.Sessions;
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Ledger;

namespace Usher.Benchmarks;

/// <summary>The bookkeeping of one refused session past the ledger: the metric and the folded log (event 9646 is
/// logged once per identity and interval; the rest are counted).</summary>
[MemoryDiagnoser]
public class RefusalBenchmarks : IDisposable
{
    private const string Identity = "10.0.0.9";

    private readonly InMemorySessionLedger _ledger = new();
    private readonly GatewayMetrics _metrics = new();
    private readonly RefusalLogFolder _folder =
        new(NullLogger.Instance, TimeProvider.System, TimeSpan.FromSeconds(10));
    private readonly IPEndPoint _client = new(IPAddress.Loopback, 40000);
    private LedgerScope _scope = null!;
    private Lease? _held;

    /// <summary>The identity is at its limit of 1; its folding window is open.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _scope = _ledger.CreateScope("bench", maxSessions: null);
        _held = _ledger.TryAdmit(_scope, Identity, 1).Lease;
        RefuseAndRecord();
    }

    /// <summary>Releases the held session.</summary>
    [GlobalCleanup]
    public void Cleanup() => _held?.Release(CloseReason.ClientClosed);

    /// <summary>What the gateway does for a refused session besides closing the socket: ledger, metric, log.</summary>
    [Benchmark]
    public int RefuseAndRecord()
    {
        var admission = _ledger.TryAdmit(_scope, Identity, 1);
        _metrics.Refused("bench", "identity");
        _folder.Refused(new Refusal("bench", Identity, "SourceIp", admission.Count, admission.Limit, "identity",
            "Reject", _client));
        return admission.Count;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _metrics.Dispose();
        GC.SuppressFinalize(this);
    }
}
