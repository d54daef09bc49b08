using Usher.Sessions;
using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

public sealed class OwnLeaseTests
{
    [Fact]
    public void AnAdmissionIntoTheCallersLeaseUsesThatObjectAndAllocatesNothing()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("l", null);
        var own = new Lease();
        ledger.TryAdmit(scope, "warm", 5, own).Lease!.Release(CloseReason.ClientClosed);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var admission = ledger.TryAdmit(scope, "warm", 5, own);
        var released = admission.Lease!.Release(CloseReason.ClientClosed);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(own, admission.Lease);
        Assert.True(released);
        Assert.Equal(0, ledger.Total);
        Assert.True(allocated < 100, $"{allocated} B allocated (the identity's counter comes and goes with its last session)");
    }

    [Fact]
    public void AHeldLeaseCannotCountASecondSessionAndNothingLeaks()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("l", null);
        var own = new Lease();
        Assert.True(ledger.TryAdmit(scope, "alice", 5, own).Admitted);

        Assert.Throws<InvalidOperationException>(() => ledger.TryAdmit(scope, "alice", 5, own));

        Assert.Equal(1, ledger.Total);
        Assert.Equal(1, ledger.Count(scope, "alice"));
        Assert.True(own.Release(CloseReason.ClientClosed));
        Assert.False(own.Release(CloseReason.ClientClosed));
        Assert.Equal(0, ledger.Total);
    }

    [Fact]
    public void AReleasedLeaseCanCountTheSameOwnersNextSession()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("l", null);
        var own = new Lease();
        Assert.True(ledger.TryAdmit(scope, "decoy", 1, own).Admitted);
        Assert.True(own.Release(CloseReason.ClientClosed));

        Assert.True(ledger.TryAdmit(scope, "bob", 1, own).Admitted);

        Assert.Equal("bob", own.Identity);
        Assert.Equal(0, ledger.Count(scope, "decoy"));
        Assert.Equal(1, ledger.Count(scope, "bob"));
        Assert.True(own.Release(CloseReason.ClientClosed));
        Assert.Equal(0, ledger.Total);
    }
}
