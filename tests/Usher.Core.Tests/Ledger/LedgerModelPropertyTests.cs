using Usher.Sessions;
using CsCheck;
using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

/// <summary>Random sequences of admits and releases, checked step by step against a plain model of the three
/// limits: the ledger must give exactly the model's answer (who refused, at what count and limit).</summary>
public sealed class LedgerModelPropertyTests
{
    private const int Scopes = 2;
    private const int Identities = 3;

    private static readonly Gen<Step> StepGen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, Scopes - 1], Gen.Int[0, Identities - 1],
        Gen.Int[0, 1000], (kind, scope, identity, pick) => new Step(Release: kind == 0, scope, identity, pick));

    private static readonly Gen<Case> CaseGen = Gen.Select(Gen.Int[1, 6], Gen.Int[0, 5], Gen.Int[0, 3], StepGen.Array[0, 60],
        (global, listener, perIdentity, steps) => new Case(global, listener == 0 ? null : listener, perIdentity, steps));

    [Fact]
    public void EveryAdmissionMatchesTheModelOfTheThreeLimits() =>
        CaseGen.Sample(Run, iter: 500);

    private static void Run(Case c)
    {
        var ledger = new InMemorySessionLedger(c.GlobalLimit);
        var scopes = Enumerable.Range(0, Scopes).Select(s => ledger.CreateScope($"l{s}", c.ListenerLimit)).ToArray();
        var perIdentity = new int[Scopes, Identities];
        var perScope = new int[Scopes];
        var held = new List<(Lease Lease, int Scope, int Identity)>();

        foreach (var step in c.Steps)
        {
            if (step.Release)
            {
                if (held.Count == 0)
                {
                    continue;
                }

                var (lease, s, id) = held[step.Pick % held.Count];
                held.RemoveAt(step.Pick % held.Count);
                Assert.True(lease.Release(CloseReason.ClientClosed));
                perIdentity[s, id]--;
                perScope[s]--;
            }
            else
            {
                var expected = Expect(c, held.Count, perScope[step.Scope], perIdentity[step.Scope, step.Identity]);
                var actual = ledger.TryAdmit(scopes[step.Scope], $"id{step.Identity}", c.PerIdentityLimit);
                Assert.Equal(expected, (actual.Admitted, actual.RefusedBy, actual.Count, actual.Limit));
                if (actual.Admitted)
                {
                    held.Add((actual.Lease!, step.Scope, step.Identity));
                    perIdentity[step.Scope, step.Identity]++;
                    perScope[step.Scope]++;
                }
            }

            Assert.Equal(held.Count, ledger.Total);
            for (var s = 0; s < Scopes; s++)
            {
                Assert.Equal(perScope[s], scopes[s].Count);
                for (var id = 0; id < Identities; id++)
                {
                    Assert.Equal(perIdentity[s, id], ledger.Count(scopes[s], $"id{id}"));
                }
            }
        }

        held.ForEach(h => h.Lease.Release(CloseReason.ClientClosed));
        Assert.Equal(0, ledger.Total);
        Assert.All(scopes, s => Assert.Empty(InMemorySessionLedger.Identities(s)));
    }

    private static (bool, RefusedBy, int, int) Expect(Case c, int total, int inScope, int ofIdentity)
    {
        if (total >= c.GlobalLimit)
        {
            return (false, RefusedBy.Global, total, c.GlobalLimit);
        }

        if (c.ListenerLimit is { } listenerLimit && inScope >= listenerLimit)
        {
            return (false, RefusedBy.Listener, inScope, listenerLimit);
        }

        return ofIdentity >= c.PerIdentityLimit
            ? (false, RefusedBy.Identity, ofIdentity, c.PerIdentityLimit)
            : (true, RefusedBy.None, ofIdentity + 1, c.PerIdentityLimit);
    }

    private sealed record Step(bool Release, int Scope, int Identity, int Pick);

    private sealed record Case(int GlobalLimit, int? ListenerLimit, int PerIdentityLimit, Step[] Steps);
}
