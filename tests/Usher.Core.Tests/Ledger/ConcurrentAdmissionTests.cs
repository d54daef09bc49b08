using Usher.Sessions;
using System.Collections.Concurrent;
using Usher.Ledger;

namespace Usher.Core.Tests.Ledger;

/// <summary>Many threads admit and release at random; counters kept beside the ledger (raised after each admit,
/// lowered before each release) show what is really held at every instant and must never pass a limit.</summary>
public sealed class ConcurrentAdmissionTests
{
    private const int Listeners = 2;
    private const int IdentitiesPerListener = 4;
    private const int PerIdentityLimit = 3;
    private const int ListenerLimit = 8;   // below 4 identities × 3: the listener limit binds.
    private const int GlobalLimit = 12;    // below 2 listeners × 8: the global limit binds.
    private static readonly TimeSpan RunFor = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public void NoLimitIsEverExceededAndEveryCountEndsAtZero()
    {
        var ledger = new InMemorySessionLedger(GlobalLimit);
        var scopes = Enumerable.Range(0, Listeners).Select(l => ledger.CreateScope($"l{l}", ListenerLimit)).ToArray();
        var held = new int[Listeners, IdentitiesPerListener];
        var heldPerListener = new int[Listeners];
        var heldGlobal = 0;
        var maxPerIdentity = 0;
        var maxPerListener = 0;
        var maxGlobal = 0;
        var refusedBy = new int[4];
        var admitted = 0L;

        void Raise(ref int counter, ref int max)
        {
            var now = Interlocked.Increment(ref counter);
            int seen;
            while (now > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, now, seen) != seen)
            {
            }
        }

        var deadline = Environment.TickCount64 + (long)RunFor.TotalMilliseconds;
        var failures = new ConcurrentQueue<Exception>();
        void Work(int seed)
        {
            var random = new Random(seed);
            var mine = new List<(Lease Lease, int Listener, int Identity)>();
            while (Environment.TickCount64 < deadline)
            {
                if (mine.Count > 0 && random.Next(2) == 0)
                {
                    var i = random.Next(mine.Count);
                    var (lease, l, id) = mine[i];
                    mine.RemoveAt(i);
                    Interlocked.Decrement(ref held[l, id]);
                    Interlocked.Decrement(ref heldPerListener[l]);
                    Interlocked.Decrement(ref heldGlobal);
                    Assert.True(lease.Release(CloseReason.ClientClosed));
                    continue;
                }

                var listener = random.Next(Listeners);
                var identity = random.Next(IdentitiesPerListener);
                var admission = ledger.TryAdmit(scopes[listener], $"id{identity}", PerIdentityLimit);
                if (!admission.Admitted)
                {
                    Interlocked.Increment(ref refusedBy[(int)admission.RefusedBy]);
                    continue;
                }

                Raise(ref held[listener, identity], ref maxPerIdentity);
                Raise(ref heldPerListener[listener], ref maxPerListener);
                Raise(ref heldGlobal, ref maxGlobal);
                Interlocked.Increment(ref admitted);
                mine.Add((admission.Lease!, listener, identity));
            }

            foreach (var (lease, l, id) in mine)
            {
                Interlocked.Decrement(ref held[l, id]);
                Interlocked.Decrement(ref heldPerListener[l]);
                Interlocked.Decrement(ref heldGlobal);
                lease.Release(CloseReason.ClientClosed);
            }
        }

        // An assertion failing on a worker thread must fail the test, not vanish.
        var threads = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount * 2)).Select(seed => new Thread(() =>
        {
            try
            {
                Work(seed);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());

        // A ledger that loses track could spin forever inside TryAdmit: fail instead of hanging the run.
        var joinBy = deadline + 10_000;
        var stuck = threads.Count(t => !t.Join(TimeSpan.FromMilliseconds(Math.Max(0, joinBy - Environment.TickCount64))));
        Assert.True(stuck == 0, $"{stuck} threads did not finish");

        Assert.Empty(failures);
        Assert.InRange(maxPerIdentity, 1, PerIdentityLimit);
        Assert.InRange(maxPerListener, 1, ListenerLimit);
        Assert.InRange(maxGlobal, 1, GlobalLimit);
        Assert.True(admitted > 1000, $"only {admitted} admissions: the run did not exercise the ledger");
        Assert.True(refusedBy[(int)RefusedBy.Identity] > 0, "no refusal by the identity limit");
        Assert.True(refusedBy[(int)RefusedBy.Listener] > 0, "no refusal by the listener limit");
        Assert.True(refusedBy[(int)RefusedBy.Global] > 0, "no refusal by the global limit");

        Assert.Equal(0, ledger.Total);
        foreach (var scope in scopes)
        {
            Assert.Equal(0, scope.Count);
            Assert.Empty(InMemorySessionLedger.Identities(scope));
            for (var id = 0; id < IdentitiesPerListener; id++)
            {
                Assert.Equal(0, ledger.Count(scope, $"id{id}"));
            }
        }
    }
}
