using Usher.Gateway.Native;

namespace Usher.Gateway.Engine;

/// <summary>The pipes splice(2) moves payload through, rented only while data flows: an idle session holds none.
/// Owned by one reactor thread; only empty pipes come back. At most <c>limit</c> pipes live at once (their descriptors
/// are counted in the process's budget, see ProcessLimits) and each takes two descriptors of the
/// <see cref="DescriptorBudget"/>; past either, or when pipe2 fails, sessions move data without one.</summary>
internal sealed unsafe class PipePool : IDisposable
{
    /// <summary>Bytes a pipe holds; one splice moves at most this much.</summary>
    public const int Capacity = 64 * 1024;

    private readonly Stack<long> _free = new();
    private readonly int _keep;
    private readonly int _limit;
    private readonly DescriptorBudget? _budget;
    private long _retryAfter;
    private int _lowWater;

    public PipePool(int keep, int limit, DescriptorBudget? budget = null)
    {
        _budget = budget;
        _limit = Math.Max(1, limit);
        _keep = Math.Min(keep, _limit);
    }

    /// <summary>Whether <see cref="Rent"/> would give a pipe now.</summary>
    public bool CanRent => _free.Count > 0 || (Live < _limit && Environment.TickCount64 >= _retryAfter);

    /// <summary>Pipes created and not yet closed.</summary>
    public int Live { get; private set; }

    /// <summary>A pipe (read end, write end), or (-1, -1) past the limit or when the process is out of descriptors.</summary>
    public (int Read, int Write) Rent()
    {
        if (_free.TryPop(out var pair))
        {
            _lowWater = Math.Min(_lowWater, _free.Count);
            return ((int)(pair >> 32), (int)pair);
        }

        if (!CanRent)
        {
            return (-1, -1);
        }

        if (_budget?.TryTake(2) == false)
        {
            // The process's descriptor budget is spent: do without pipes for a while (see ProxySession.PeekCopy).
            _retryAfter = Environment.TickCount64 + 100;
            return (-1, -1);
        }

        var fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC) != 0)
        {
            _budget?.Release(2);
            // Out of descriptors (or pipe memory): do without pipes for a while rather than ask on every read.
            _retryAfter = Environment.TickCount64 + 100;
            return (-1, -1);
        }

        Live++;
        return (fds[0], fds[1]);
    }

    /// <summary>Gives back an empty pipe.</summary>
    public void Return(int read, int write)
    {
        if (_free.Count < _keep)
        {
            _free.Push(((long)read << 32) | (uint)write);
            return;
        }

        Discard(read, write);
    }

    /// <summary>Closes a pipe that may still hold data.</summary>
    public void Discard(int read, int write)
    {
        Libc.Close(read);
        Libc.Close(write);
        _budget?.Release(2);
        Live--;
    }

    /// <summary>Closes the idle pipes no session needed since the last call (the fewest that stayed idle all along),
    /// so the pool shrinks back after a burst instead of holding its peak's descriptors. Called about once a second.</summary>
    public void Trim()
    {
        for (var unused = Math.Min(_lowWater, _free.Count); unused > 0 && _free.TryPop(out var pair); unused--)
        {
            Discard((int)(pair >> 32), (int)pair);
        }

        _lowWater = _free.Count;
    }

    public void Dispose()
    {
        while (_free.TryPop(out var pair))
        {
            Discard((int)(pair >> 32), (int)pair);
        }
    }
}
