using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

public sealed class AdmissionTests
{
    [Fact]
    public void AnAdmissionCarriesTheLeaseAndTheIdentitysNewCount()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);

        var first = ledger.TryAdmit(scope, "10.0.0.7", limit: 5);
        var second = ledger.TryAdmit(scope, "10.0.0.7", limit: 5);

        Assert.True(second.Admitted);
        Assert.Equal(RefusedBy.None, second.RefusedBy);
        Assert.Equal(2, second.Count);
        Assert.Equal(5, second.Limit);
        Assert.Equal("10.0.0.7", second.Lease!.Identity);
        Assert.NotSame(first.Lease, second.Lease);
    }

    [Fact]
    public void TheIdentityLimitRefusesWithTheIdentitysCountAndLimit()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: 10);
        ledger.TryAdmit(scope, "10.0.0.7", limit: 2);
        ledger.TryAdmit(scope, "10.0.0.7", limit: 2);

        var refused = ledger.TryAdmit(scope, "10.0.0.7", limit: 2);

        Assert.Equal(new Admission(null, RefusedBy.Identity, 2, 2), refused);
        Assert.False(refused.Admitted);
        Assert.Equal(2, ledger.Total);
        Assert.Equal(2, scope.Count);
    }

    [Fact]
    public void AZeroLimitRefusesTheFirstSession()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);

        var refused = ledger.TryAdmit(scope, "svc-blocked", limit: 0);

        Assert.Equal(new Admission(null, RefusedBy.Identity, 0, 0), refused);
        Assert.Equal(0, ledger.Total);
    }

    [Fact]
    public void TheListenerLimitRefusesWithTheListenersCountAndLimit()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(ledger.TryAdmit(scope, $"10.0.0.{i}", limit: 32).Admitted);
        }

        var refused = ledger.TryAdmit(scope, "10.0.0.99", limit: 32);

        Assert.Equal(new Admission(null, RefusedBy.Listener, 3, 3), refused);
        Assert.Equal(3, ledger.Total);
        Assert.Equal(0, ledger.Count(scope, "10.0.0.99"));
    }

    [Fact]
    public void TheGlobalLimitRefusesAcrossListenersWithTheProcesssCountAndLimit()
    {
        var ledger = new InMemorySessionLedger(globalLimit: 2);
        var a = ledger.CreateScope("a", maxSessions: null);
        var b = ledger.CreateScope("b", maxSessions: null);
        ledger.TryAdmit(a, "10.0.0.1", limit: 32);
        ledger.TryAdmit(b, "10.0.0.2", limit: 32);

        var refused = ledger.TryAdmit(b, "10.0.0.3", limit: 32);

        Assert.Equal(new Admission(null, RefusedBy.Global, 2, 2), refused);
        Assert.Equal(1, b.Count);
        Assert.Equal(2, ledger.Total);
    }

    [Fact]
    public async Task TheAsynchronousAdmissionCompletesAtOnceWithTheSameAnswer()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);

        var pending = ((ISessionLedger)ledger).TryAdmitAsync(scope, "10.0.0.7", limit: 1);
        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True((await pending).Admitted);
        Assert.Equal(RefusedBy.Identity, (await ledger.TryAdmitAsync(scope, "10.0.0.7", limit: 1)).RefusedBy);
    }
}
