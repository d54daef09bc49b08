using Usher.Sessions;
using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

public sealed class IdentityCounterLifetimeTests
{
    [Fact]
    public void AnIdentityIsListedWithItsCountWhileItHoldsSessions()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);
        ledger.TryAdmit(scope, "10.0.0.7", limit: 5);
        ledger.TryAdmit(scope, "10.0.0.7", limit: 5);
        ledger.TryAdmit(scope, "10.0.0.8", limit: 5);

        var listed = InMemorySessionLedger.Identities(scope).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();

        Assert.Equal([KeyValuePair.Create("10.0.0.7", 2), KeyValuePair.Create("10.0.0.8", 1)], listed);
    }

    [Fact]
    public void AnIdentityDisappearsWhenItsLastLeaseIsReleased()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);
        var first = ledger.TryAdmit(scope, "10.0.0.7", limit: 5).Lease!;
        var second = ledger.TryAdmit(scope, "10.0.0.7", limit: 5).Lease!;
        var other = ledger.TryAdmit(scope, "10.0.0.8", limit: 5).Lease!;

        first.Release(CloseReason.ClientClosed);
        Assert.Contains(KeyValuePair.Create("10.0.0.7", 1), InMemorySessionLedger.Identities(scope));

        second.Release(CloseReason.ClientClosed);
        Assert.DoesNotContain(InMemorySessionLedger.Identities(scope), p => p.Key == "10.0.0.7");
        Assert.Equal(0, ledger.Count(scope, "10.0.0.7"));
        Assert.Equal([KeyValuePair.Create("10.0.0.8", 1)], InMemorySessionLedger.Identities(scope));

        other.Release(CloseReason.ClientClosed);
        Assert.Empty(InMemorySessionLedger.Identities(scope));
    }

    [Fact]
    public void AnIdentityComesBackAfterItsCounterWasRemoved()
    {
        var ledger = new InMemorySessionLedger();
        var scope = ledger.CreateScope("pg", maxSessions: null);
        for (var round = 0; round < 100; round++)
        {
            var lease = ledger.TryAdmit(scope, "10.0.0.7", limit: 1);
            Assert.True(lease.Admitted, $"round {round}");
            Assert.False(ledger.TryAdmit(scope, "10.0.0.7", limit: 1).Admitted);
            lease.Lease!.Release(CloseReason.ClientClosed);
            Assert.Empty(InMemorySessionLedger.Identities(scope));
        }
    }

    [Fact]
    public void ScopesCountTheSameIdentityApart()
    {
        var ledger = new InMemorySessionLedger();
        var a = ledger.CreateScope("a", maxSessions: null);
        var b = ledger.CreateScope("b", maxSessions: null);
        ledger.TryAdmit(a, "10.0.0.7", limit: 1);

        Assert.True(ledger.TryAdmit(b, "10.0.0.7", limit: 1).Admitted);
        Assert.Equal(1, ledger.Count(a, "10.0.0.7"));
        Assert.Equal(1, ledger.Count(b, "10.0.0.7"));
        Assert.Equal(2, ledger.Total);
    }
}
