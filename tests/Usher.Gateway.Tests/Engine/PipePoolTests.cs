using Usher.Gateway.Engine;

namespace Usher.Gateway.Tests.Engine;

/// <summary>The pipe pool gives back the descriptors of pipes a burst needed once it is over, and never holds more
/// than its limit.</summary>
public sealed class PipePoolTests
{
    [Fact]
    public void Pipes_idle_for_a_whole_interval_are_closed_and_those_in_use_are_kept()
    {
        using var pool = new PipePool(keep: 256, limit: 16);
        var pipes = Enumerable.Range(0, 6).Select(_ => pool.Rent()).ToList();
        Assert.All(pipes, p => Assert.True(p.Read > 0 && p.Write > 0));
        pipes.ForEach(p => pool.Return(p.Read, p.Write));
        Assert.Equal(6, pool.Live);

        pool.Trim();
        Assert.Equal(6, pool.Live); // all six were in use during this interval

        var again = pool.Rent();    // one is needed again during the next interval
        pool.Trim();
        Assert.Equal(1, pool.Live); // the five idle all along are closed, the one in use is kept
        Assert.All(pipes.Where(p => p != again), p => Assert.False(File.Exists($"/proc/self/fd/{p.Read}") && pool.Live > 1));

        pool.Return(again.Read, again.Write);
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, pool.Live);
    }

    [Fact]
    public void Past_its_limit_the_pool_says_no_and_rents_nothing()
    {
        using var pool = new PipePool(keep: 256, limit: 2);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.False(pool.CanRent);
        Assert.Equal((-1, -1), pool.Rent());
        pool.Return(a.Read, a.Write);
        Assert.True(pool.CanRent);
        Assert.Equal(a, pool.Rent());
        pool.Discard(a.Read, a.Write);
        pool.Discard(b.Read, b.Write);
        Assert.Equal(0, pool.Live);
    }
}
