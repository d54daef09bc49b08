using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Core.Tests.Ledger;

/// <summary>A hand-off and a cancelled wait racing on two threads: whichever wins, the place is never lost. A waiter
/// handed the place after it gave up holds the lease and releases it; the counts return to zero every time.</summary>
public sealed class WaitCancelRaceTests
{
    [Fact]
    public async Task AReleaseRacingACancelledWaitNeverLeaksTheSlot()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("l", null);
        var handed = 0;
        for (var i = 0; i < 5000; i++)
        {
            var holder = ledger.TryAdmit(scope, "alice", 1).Lease!;
            using var cancel = new CancellationTokenSource();
            var waiting = ledger.AdmitOrWaitAsync(scope, "alice", 1, null, cancel.Token).AsTask();
            Assert.False(waiting.IsCompleted);
            using var start = new Barrier(2);
            var release = Task.Run(() =>
            {
                start.SignalAndWait();
                holder.Release(CloseReason.ClientClosed);
            });
            var give = Task.Run(() =>
            {
                start.SignalAndWait();
                cancel.Cancel();
            });
            await Task.WhenAll(release, give);

            var admission = await waiting;
            if (admission.Admitted)
            {
                handed++;
                Assert.Equal(1, ledger.Count(scope, "alice"));
                Assert.True(admission.Lease!.Release(CloseReason.ClientClosed));
            }

            Assert.Equal(0, ledger.Total);
            Assert.Equal(0, ledger.Count(scope, "alice"));
            Assert.Equal(0, ledger.Waiting(scope, "alice"));
        }

        Assert.Empty(InMemorySessionLedger.Identities(scope));
        Assert.InRange(handed, 0, 5000);
    }

    [Fact]
    public async Task ManyThreadsAdmittingWaitingAndReleasingNeverHoldMoreThanTheLimitAndEndAtZero()
    {
        const int Limit = 3;
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("l", null);
        var inside = 0;
        var peak = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                using var cancel = new CancellationTokenSource();
                var pending = ledger.AdmitOrWaitAsync(scope, "bob", Limit, null, cancel.Token);
                if (!pending.IsCompleted)
                {
                    cancel.CancelAfter(i % 7 == 0 ? 0 : 50);
                }

                var admission = await pending;
                if (!admission.Admitted)
                {
                    continue;
                }

                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref peak, now);
                Assert.True(now <= Limit, $"{now} inside at a limit of {Limit}");
                Interlocked.Decrement(ref inside);
                admission.Lease!.Release(CloseReason.ClientClosed);
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.InRange(peak, 1, Limit);
        Assert.Equal(0, ledger.Total);
        Assert.Equal(0, ledger.Waiting(scope, "bob"));
        Assert.Empty(InMemorySessionLedger.Identities(scope));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
