namespace Usher.Ledger;

/// <summary>Waiting admission: a newcomer refused by its identity's limit waits in the identity's line until a release
/// hands it the place (<see cref="ILeaseLedger.Release"/>) or its wait is cancelled.</summary>
public sealed partial class InMemorySessionLedger
{
    /// <inheritdoc />
    public ValueTask<Admission> AdmitOrWaitAsync(LedgerScope scope, string identity, int limit, Lease? lease, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromResult(TryAdmit(scope, identity, limit, lease));
        }

        if (lease is { IsHeld: true })
        {
            throw new InvalidOperationException("The lease already holds a place; release it before admitting again.");
        }

        var s = (Scope)scope;
        var waiter = new Waiter(s, identity, limit, lease);
        var admission = Admit(s, identity, limit, lease, waiter);
        if (!waiter.Queued)
        {
            return ValueTask.FromResult(admission);
        }

        waiter.Watch(cancellationToken);
        return new ValueTask<Admission>(waiter.Task);
    }

    /// <summary>A newcomer in line: completed by a hand-off (admitted) or by its cancellation (refused), whichever
    /// takes the place's lock first. Continuations run asynchronously, never inside the releasing session's close.</summary>
    private sealed class Waiter(Scope scope, string identity, int limit, Lease? lease)
        : TaskCompletionSource<Admission>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private Place? _place;
        private LinkedListNode<Waiter>? _node;
        private CancellationTokenRegistration _registration;

        public int Limit => limit;

        public Lease? Lease => lease;

        public bool Queued => _node is not null;

        /// <summary>Joins the place's line; called under the place's lock.</summary>
        public void Enqueue(Place place)
        {
            _place = place;
            _node = (place.Line ??= new LinkedList<Waiter>()).AddLast(this);
        }

        public void Watch(CancellationToken cancellationToken) =>
            _registration = cancellationToken.UnsafeRegister(static w => ((Waiter)w!).Cancel(), this);

        /// <summary>Handed the place by a release (the waiter is already out of the line).</summary>
        public void Complete(Admission admission)
        {
            _registration.Unregister();
            TrySetResult(admission);
        }

        private void Cancel()
        {
            var place = _place!;
            Admission refusal;
            lock (place)
            {
                if (_node!.List is null)
                {
                    // A hand-off came first: the waiter holds the lease and its owner releases it.
                    return;
                }

                place.Line!.Remove(_node);
                refusal = new Admission(null, RefusedBy.Identity, place.Count, limit);
                RetireIfIdle(scope, identity, place);
            }

            TrySetResult(refusal);
        }
    }
}
