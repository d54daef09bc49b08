using Usher.Sessions;
using BenchmarkDotNet.Attributes;
using Usher.Ledger;

namespace Usher.Benchmarks;

/// <summary>The ledger on the admission path of every session: admit and release, and the refusal at the limit.
/// Target: admit + release under 1 µs median with 0 bytes allocated.</summary>
[MemoryDiagnoser]
public class LedgerBenchmarks
{
    // Identities as the gateway sees them: source addresses as strings.
    private const string Busy = "10.0.0.1";
    private const string Fresh = "10.0.0.2";
    private const string Full = "10.0.0.3";
    private const int Limit = 1_000;

    private readonly InMemorySessionLedger _ledger = new();
#pragma warning disable CA1859 // The gateway calls the ledger through its interface; so does this field.
    private ISessionLedger _asInterface = null!;
#pragma warning restore CA1859
    private LedgerScope _scope = null!;
    private readonly Lease _ownLease = new();
    private Lease? _busyHeld;
    private Lease? _fullHeld;

    /// <summary>One session of <c>Busy</c> stays open (its counter stays in the dictionary); <c>Full</c> is at
    /// its limit of 1.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _asInterface = _ledger;
        _scope = _ledger.CreateScope("bench", maxSessions: null);
        _busyHeld = _ledger.TryAdmit(_scope, Busy, Limit).Lease;
        _fullHeld = _ledger.TryAdmit(_scope, Full, 1).Lease;
    }

    /// <summary>Releases the held sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _busyHeld?.Release(CloseReason.ClientClosed);
        _fullHeld?.Release(CloseReason.ClientClosed);
    }

    /// <summary>A further session of an identity that already holds one: the common case under load.</summary>
    [Benchmark(Baseline = true)]
    public bool AdmitReleaseBusyIdentity() => _ledger.TryAdmit(_scope, Busy, Limit).Lease!.Release(CloseReason.ClientClosed);

    /// <summary>The only session of its identity: the counter is created on admit and removed on release.</summary>
    [Benchmark]
    public bool AdmitReleaseFreshIdentity() => _ledger.TryAdmit(_scope, Fresh, Limit).Lease!.Release(CloseReason.ClientClosed);

    /// <summary>As the gateway calls it: through the interface, into the session's own lease (a session is its
    /// lease), so admission and release allocate nothing.</summary>
    [Benchmark]
    public bool AdmitReleaseBusyIdentityAsync()
    {
        var admission = _asInterface.TryAdmitAsync(_scope, Busy, Limit, _ownLease);
        return admission.IsCompletedSuccessfully && admission.Result.Lease!.Release(CloseReason.ClientClosed);
    }

    /// <summary>The caller's own lease, synchronously.</summary>
    [Benchmark]
    public bool AdmitReleaseOwnLease() => _ledger.TryAdmit(_scope, Busy, Limit, _ownLease).Lease!.Release(CloseReason.ClientClosed);

    /// <summary>The refusal path: the identity is at its limit.</summary>
    [Benchmark]
    public bool RefuseAtLimit() => !_ledger.TryAdmit(_scope, Full, 1).Admitted;

    /// <summary>The refusal path through <see cref="ISessionLedger.TryAdmitAsync"/>.</summary>
    [Benchmark]
    public bool RefuseAtLimitAsync()
    {
        var admission = _asInterface.TryAdmitAsync(_scope, Full, 1);
        return admission.IsCompletedSuccessfully && !admission.Result.Admitted;
    }
}
