using System.Collections.Concurrent;
using System.Threading.Channels;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Tests.Ledger;

/// <summary>A ledger double that answers admissions when the test says so, on another thread, as a networked ledger
/// does: each admission waits in <see cref="Pending"/> until the test admits it or answers "unavailable". Leases it
/// granted can be revoked; releases are recorded with their reasons.</summary>
internal sealed class DeferredLedger : ISessionLedger, ILeaseLedger
{
    private readonly Channel<PendingAdmission> _pending = Channel.CreateUnbounded<PendingAdmission>();
    private readonly ConcurrentQueue<(Lease Lease, CloseReason Reason)> _released = new();
    private int _total;

    /// <summary>Admissions asked for and not answered yet, in order.</summary>
    public ChannelReader<PendingAdmission> Pending => _pending.Reader;

    /// <summary>Releases so far, with their reasons.</summary>
    public IReadOnlyCollection<(Lease Lease, CloseReason Reason)> Released => _released;

    /// <summary>Calls of <see cref="AdmitOrWaitAsync"/> (a refusal that waits in line).</summary>
    public int WaitCalls;

    public int Total => Volatile.Read(ref _total);

    public int GlobalLimit => int.MaxValue;

    public bool TrySetGlobalLimit(int limit) => false;

    public LedgerScope CreateScope(string listener, int? maxSessions) => new Scope(this, listener, maxSessions);

    public ValueTask<Admission> TryAdmitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAdmission(this, scope, identity, lease ?? new Lease());
        _pending.Writer.TryWrite(pending);
        return new ValueTask<Admission>(pending.Answer);
    }

    public ValueTask<Admission> AdmitOrWaitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref WaitCalls);
        return TryAdmitAsync(scope, identity, limit, lease, cancellationToken);
    }

    public int Count(LedgerScope scope, string identity) => Total;

    public int Waiting(LedgerScope scope, string identity) => 0;

    void ILeaseLedger.Release(Lease lease, in LeaseBinding binding, CloseReason reason)
    {
        Interlocked.Decrement(ref _total);
        _released.Enqueue((lease, reason));
    }

    /// <summary>Takes a granted lease back, as a networked ledger that lost it does.</summary>
    public bool Revoke(Lease lease, string why)
    {
        if (!lease.Revoke(why))
        {
            return false;
        }

        Interlocked.Decrement(ref _total);
        return true;
    }

    private sealed class Scope(DeferredLedger ledger, string listener, int? maxSessions) : LedgerScope(listener, maxSessions)
    {
        public override int Count => ledger.Total;
    }

    /// <summary>One admission the gateway waits for.</summary>
    internal sealed class PendingAdmission(DeferredLedger ledger, LedgerScope scope, string identity, Lease lease)
    {
        private readonly TaskCompletionSource<Admission> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Identity => identity;

        public Lease Lease => lease;

        public Task<Admission> Answer => _answer.Task;

        /// <summary>Admits the session, from a thread-pool thread.</summary>
        public Task AdmitAsync() => Task.Run(() =>
        {
            Assert.True(lease.TryBind(new LeaseBinding(ledger, identity, scope, null)));
            Interlocked.Increment(ref ledger._total);
            _answer.SetResult(new Admission(lease, RefusedBy.None, ledger.Total, int.MaxValue));
        });

        /// <summary>Answers that the ledger cannot decide (fail closed), from a thread-pool thread.</summary>
        public Task RefuseUnavailableAsync() =>
            Task.Run(() => _answer.SetResult(new Admission(null, RefusedBy.LedgerUnavailable, 0, 0)));
    }
}
