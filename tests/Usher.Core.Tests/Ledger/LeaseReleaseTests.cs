using Usher.Sessions;
using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

public sealed class LeaseReleaseTests
{
    [Fact]
    public void ReleasingALeaseTwiceGivesBackOnePlaceOnly()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);
        var first = ledger.TryAdmit(scope, "10.0.0.7", limit: 2).Lease!;
        var second = ledger.TryAdmit(scope, "10.0.0.7", limit: 2).Lease!;

        Assert.True(first.Release(CloseReason.ClientClosed));
        Assert.False(first.Release(CloseReason.ClientClosed));

        Assert.True(first.IsReleased);
        Assert.False(second.IsReleased);
        Assert.Equal(1, ledger.Count(scope, "10.0.0.7"));
        Assert.Equal(1, scope.Count);
        Assert.Equal(1, ledger.Total);
    }

    [Fact]
    public void ASecondReleaseOfAnOldLeaseDoesNotFreeTheNextSessionsPlace()
    {
        var ledger = new InMemorySessionLedger(globalLimit: 1);
        var scope = ledger.CreateScope("pg", maxSessions: 1);
        var old = ledger.TryAdmit(scope, "10.0.0.7", limit: 1).Lease!;
        old.Release(CloseReason.ClientClosed);
        var current = ledger.TryAdmit(scope, "10.0.0.7", limit: 1);
        Assert.True(current.Admitted);

        old.Release(CloseReason.ClientClosed);

        Assert.Equal(1, ledger.Count(scope, "10.0.0.7"));
        Assert.Equal(1, ledger.Total);
        Assert.Equal(RefusedBy.Global, ledger.TryAdmit(scope, "10.0.0.7", limit: 1).RefusedBy);
    }

    [Fact]
    public void ConcurrentReleasesOfOneLeaseReleaseItExactlyOnce()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);
        var keep = ledger.TryAdmit(scope, "a", limit: 100).Lease!;
        for (var round = 0; round < 200; round++)
        {
            var lease = ledger.TryAdmit(scope, "a", limit: 100).Lease!;
            var wins = 0;
            Parallel.For(0, 4, _ =>
            {
                if (lease.Release(CloseReason.ClientClosed))
                {
                    Interlocked.Increment(ref wins);
                }
            });

            Assert.Equal(1, wins);
            Assert.Equal(1, ledger.Count(scope, "a"));
        }

        keep.Release(CloseReason.ClientClosed);
        Assert.Equal(0, ledger.Total);
    }
}
