using CsCheck;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Core.Tests.Ledger;

/// <summary>Random sequences of admissions, waits in line, releases, cancelled waits and lowered limits, checked step by
/// step against a plain model: no identity ever holds more than the limit it was admitted under, a released place
/// goes to the oldest waiter of its identity and to no one else, a cancelled wait holds nothing, and every count
/// returns to zero.</summary>
public sealed class WaitingAdmissionPropertyTests
{
    private const int Identities = 2;

    private enum Kind
    {
        Admit,
        AdmitOrWait,
        Release,
        Cancel,
        Lower,
    }

    private static readonly Gen<Step> StepGen = Gen.Select(Gen.Int[0, 9], Gen.Int[0, Identities - 1], Gen.Int[0, 1000],
        (k, identity, pick) => new Step(k switch
        {
            0 or 1 => Kind.Admit,
            2 or 3 or 4 => Kind.AdmitOrWait,
            5 or 6 or 7 => Kind.Release,
            8 => Kind.Cancel,
            _ => Kind.Lower,
        }, identity, pick));

    private static readonly Gen<Case> CaseGen = Gen.Select(Gen.Int[1, 8], Gen.Int[1, 3], StepGen.Array[0, 80],
        (global, perIdentity, steps) => new Case(global, perIdentity, steps));

    [Fact]
    public void NoIdentityExceedsItsLimitPlacesGoToTheOldestWaiterAndCountsReturnToZero() =>
        CaseGen.Sample(Run, iter: 500);

    private static void Run(Case c)
    {
        var ledger = new InMemorySessionLedger(c.GlobalLimit);
        var scope = ledger.CreateScope("l", null);
        var limit = c.PerIdentityLimit;
        var held = new List<(Lease Lease, int Identity)>();
        var count = new int[Identities];
        var lines = Enumerable.Range(0, Identities).Select(_ => new List<Waiter>()).ToArray();
        var gone = new List<Waiter>();

        foreach (var step in c.Steps)
        {
            var id = step.Identity;
            switch (step.Kind)
            {
                case Kind.Admit:
                {
                    var admission = ledger.TryAdmit(scope, Name(id), limit);
                    var expected = held.Count < ledger.GlobalLimit && count[id] < limit && lines[id].Count == 0;
                    Assert.Equal(expected, admission.Admitted);
                    if (admission.Admitted)
                    {
                        held.Add((admission.Lease!, id));
                        count[id]++;
                        Assert.True(count[id] <= limit);
                    }

                    break;
                }

                case Kind.AdmitOrWait:
                {
                    var cancel = new CancellationTokenSource();
                    var pending = ledger.AdmitOrWaitAsync(scope, Name(id), limit, null, cancel.Token).AsTask();
                    var globalFull = held.Count >= ledger.GlobalLimit;
                    var free = !globalFull && count[id] < limit && lines[id].Count == 0;
                    var queues = !globalFull && !free && lines[id].Count < limit;
                    if (free)
                    {
                        Assert.True(pending.IsCompletedSuccessfully && pending.Result.Admitted);
                        held.Add((pending.Result.Lease!, id));
                        count[id]++;
                    }
                    else if (queues)
                    {
                        Assert.False(pending.IsCompleted, "a newcomer refused by its identity's limit waits in line");
                        lines[id].Add(new Waiter(pending, cancel, limit));
                    }
                    else
                    {
                        Assert.True(pending.IsCompletedSuccessfully && !pending.Result.Admitted);
                    }

                    break;
                }

                case Kind.Release when held.Count > 0:
                {
                    var (lease, owner) = held[step.Pick % held.Count];
                    held.RemoveAt(step.Pick % held.Count);
                    var line = lines[owner];
                    var handOver = line.Count > 0 && count[owner] <= line[0].Limit && held.Count + 1 <= ledger.GlobalLimit;
                    Assert.True(lease.Release(CloseReason.ClientClosed));
                    if (handOver)
                    {
                        var heir = line[0];
                        line.RemoveAt(0);
                        Assert.True(heir.Task.IsCompletedSuccessfully && heir.Task.Result.Admitted, "the oldest waiter gets the place");
                        Assert.True(count[owner] <= heir.Limit, "a hand-off never exceeds the waiter's limit");
                        held.Add((heir.Task.Result.Lease!, owner));
                        heir.Cancel.Dispose();
                    }
                    else
                    {
                        count[owner]--;
                    }

                    break;
                }

                case Kind.Cancel when lines[id].Count > 0:
                {
                    var waiter = lines[id][step.Pick % lines[id].Count];
                    lines[id].Remove(waiter);
                    waiter.Cancel.Cancel();
                    Assert.True(waiter.Task.IsCompletedSuccessfully && !waiter.Task.Result.Admitted, "a cancelled wait holds nothing");
                    gone.Add(waiter);
                    break;
                }

                case Kind.Lower:
                    // A reload: the identity's limit and the global limit change for admissions from now on.
                    limit = 1 + (step.Pick % 3);
                    ledger.GlobalLimit = 1 + (step.Pick % c.GlobalLimit);
                    break;
            }

            // Only the waiters handed a place have completed, and nobody holds more than they were admitted under.
            Assert.All(lines.SelectMany(l => l), w => Assert.False(w.Task.IsCompleted));
            Assert.Equal(held.Count, ledger.Total);
            for (var i = 0; i < Identities; i++)
            {
                Assert.Equal(count[i], ledger.Count(scope, Name(i)));
                Assert.Equal(lines[i].Count, ledger.Waiting(scope, Name(i)));
            }
        }

        foreach (var waiter in lines.SelectMany(l => l))
        {
            waiter.Cancel.Cancel();
            Assert.False(waiter.Task.Result.Admitted);
        }

        held.ForEach(h => h.Lease.Release(CloseReason.ClientClosed));
        Assert.Equal(0, ledger.Total);
        Assert.Equal(0, scope.Count);
        Assert.Empty(InMemorySessionLedger.Identities(scope));
    }

    private static string Name(int identity) => $"id{identity}";

    private sealed record Waiter(Task<Admission> Task, CancellationTokenSource Cancel, int Limit);

    private sealed record Step(Kind Kind, int Identity, int Pick);

    private sealed record Case(int GlobalLimit, int PerIdentityLimit, Step[] Steps);
}
