using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Core.Tests.Ledger;

/// <summary>A ledger takes a lease back (<see cref="Lease.Revoke"/>): the owner hears of it once, and its later release
/// does not reach the ledger.</summary>
public sealed class LeaseRevocationTests
{
    [Fact]
    public void ARevokedLeaseTellsItsOwnerOnceAndItsReleaseNeverReachesTheLedger()
    {
        var ledger = new RecordingLedger();
        var lease = new Owner();
        Assert.True(lease.TryBind(new LeaseBinding(ledger, "alice", new InMemorySessionLedger().CreateScope("pg", null), null)));

        Assert.True(lease.Revoke("lost in the store"));
        Assert.False(lease.Revoke("again"));
        Assert.False(lease.Release(CloseReason.Revoked));

        Assert.Equal(["lost in the store"], lease.Revocations);
        Assert.True(lease.IsReleased);
        Assert.Equal(0, ledger.Releases);
    }

    [Fact]
    public void AReleasedLeaseCannotBeRevoked()
    {
        var ledger = new RecordingLedger();
        var lease = new Owner();
        lease.TryBind(new LeaseBinding(ledger, "alice", new InMemorySessionLedger().CreateScope("pg", null), null));

        Assert.True(lease.Release(CloseReason.ClientClosed));

        Assert.False(lease.Revoke("too late"));
        Assert.Empty(lease.Revocations);
        Assert.Equal(1, ledger.Releases);
    }

    [Fact]
    public async Task TheInMemoryLedgerTakesANewGlobalLimitThroughItsInterface()
    {
        ISessionLedger ledger = new InMemorySessionLedger(globalLimit: 5);
        Assert.Equal(5, ledger.GlobalLimit);

        Assert.True(ledger.TrySetGlobalLimit(1));

        Assert.Equal(1, ledger.GlobalLimit);
        var scope = ledger.CreateScope("pg", null);
        Assert.True((await ledger.TryAdmitAsync(scope, "a", 10)).Admitted);
        Assert.Equal(RefusedBy.Global, (await ledger.TryAdmitAsync(scope, "b", 10)).RefusedBy);
    }

    private sealed class Owner : Lease
    {
        public List<string> Revocations { get; } = [];

        protected override void OnRevoked(string why) => Revocations.Add(why);
    }

    private sealed class RecordingLedger : ILeaseLedger
    {
        public int Releases;

        public void Release(Lease lease, in LeaseBinding binding, CloseReason reason) => Releases++;
    }
}
