using Usher.Gateway.Engine;

namespace Usher.Gateway.Tests.Engine;

/// <summary>The reactor's deadlines: due ones come out earliest first, and a handler's are removed without a scan.</summary>
public sealed class DeadlineHeapTests
{
    [Fact]
    public void DueDeadlinesComeOutEarliestFirstAndLaterOnesWait()
    {
        var heap = new DeadlineHeap();
        var handlers = Enumerable.Range(0, 100).Select(_ => new NullHandler()).ToArray();
        var order = Enumerable.Range(0, 100).OrderBy(i => (i * 37) % 100).ToArray();
        foreach (var i in order)
        {
            heap.Add(handlers[i], 1000 + i);
        }

        Assert.Equal(1000, heap.Earliest);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(heap.TryTakeDue(1049, out var due));
            Assert.Same(handlers[i], due);
        }

        Assert.False(heap.TryTakeDue(1049, out _));
        Assert.Equal(50, heap.Count);
        Assert.Equal(1050, heap.Earliest);
    }

    [Fact]
    public void RemovingAHandlerTakesAllItsDeadlinesAndLeavesTheOthersInOrder()
    {
        var heap = new DeadlineHeap();
        var a = new NullHandler();
        var b = new NullHandler();
        var c = new NullHandler();
        heap.Add(a, 30);
        heap.Add(b, 10);
        heap.Add(a, 5);
        heap.Add(c, 20);
        heap.Add(a, 40);

        heap.Remove(a);
        heap.Remove(a);

        Assert.Equal(2, heap.Count);
        Assert.True(heap.TryTakeDue(100, out var first));
        Assert.Same(b, first);
        Assert.True(heap.TryTakeDue(100, out var second));
        Assert.Same(c, second);
        Assert.Equal(0, heap.Count);
    }

    [Fact]
    public void AHandlerWithTwoDeadlinesIsCalledForEachAndRemovingItAfterTheFirstDropsTheSecond()
    {
        var heap = new DeadlineHeap();
        var a = new NullHandler();
        heap.Add(a, 10);
        heap.Add(a, 20);

        Assert.True(heap.TryTakeDue(10, out var due));
        Assert.Same(a, due);
        Assert.Equal(1, heap.Count);
        heap.Remove(a);
        Assert.Equal(0, heap.Count);
        Assert.False(heap.TryTakeDue(long.MaxValue, out _));
    }

    [Fact]
    public void ThousandsOfRandomAddsAndRemovalsKeepTheHeapInOrder()
    {
        var heap = new DeadlineHeap();
        var random = new Random(11);
        var live = new Dictionary<NullHandler, List<long>>();
        var handlers = Enumerable.Range(0, 200).Select(_ => new NullHandler()).ToArray();
        for (var i = 0; i < 5000; i++)
        {
            var h = handlers[random.Next(handlers.Length)];
            if (random.Next(3) == 0)
            {
                heap.Remove(h);
                live.Remove(h);
            }
            else
            {
                var deadline = random.Next(1_000_000);
                heap.Add(h, deadline);
                (live.TryGetValue(h, out var list) ? list : live[h] = []).Add(deadline);
            }
        }

        var expected = live.SelectMany(p => p.Value).Order().ToArray();
        Assert.Equal(expected.Length, heap.Count);
        var taken = new List<long>();
        while (heap.Count > 0)
        {
            var earliest = heap.Earliest;
            Assert.True(heap.TryTakeDue(earliest, out _));
            taken.Add(earliest);
        }

        Assert.Equal(expected, taken);
    }

    [Fact]
    public void RemovedDeadlinesAreCancelledInPlaceAndTheHeapNeverHoldsMuchMoreThanWhatIsPending()
    {
        var heap = new DeadlineHeap();
        var handlers = Enumerable.Range(0, 10_000).Select(_ => new NullHandler()).ToArray();
        for (var i = 0; i < handlers.Length; i++)
        {
            heap.Add(handlers[i], 1_000_000 - i);
        }

        // Sessions that end before their deadline (a handshake that completed): all but every hundredth.
        for (var i = 0; i < handlers.Length; i++)
        {
            if (i % 100 != 0)
            {
                heap.Remove(handlers[i]);
            }

            Assert.True(heap.Held <= Math.Max(64, 2 * heap.Count + 33), $"{heap.Held} held for {heap.Count} pending");
        }

        Assert.Equal(100, heap.Count);
        Assert.Equal(1_000_000 - 9_900, heap.Earliest);
        var taken = new List<IReactorHandler>();
        while (heap.TryTakeDue(long.MaxValue, out var due))
        {
            taken.Add(due!);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(k => handlers[9_900 - (k * 100)]), taken);
        Assert.Equal(0, heap.Count);
    }

    private sealed class NullHandler : IReactorHandler
    {
        public void OnEvent(Readiness events, int side)
        {
        }

        public void OnDeadline(long now)
        {
        }

        public void OnPosted()
        {
        }

        public void OnFault(Exception exception)
        {
        }
    }
}
