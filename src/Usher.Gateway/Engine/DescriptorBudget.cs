namespace Usher.Gateway.Engine;

/// <summary>The descriptors the gateway may open, so it never runs the process out of them. The budget is the
/// open-files limit (RLIMIT_NOFILE) less a <see cref="Reserve"/> kept free for the runtime (threads, assemblies it
/// loads late, the log, a reload's files) and less what the rest of the process holds (<see cref="Others"/>:
/// assemblies, listening sockets, event loops, the admin endpoint's listener), measured in /proc/self/fd at start and
/// again every second, so what the runtime opens later is set aside as it comes. Every descriptor the gateway opens
/// for a connection is taken from it first: an accepted connection takes two (its own and its backend's, so an
/// admitted session never lacks one), a pipe two, an admin connection one; past the budget the connection is closed
/// at once, or the relay does without a pipe. Safe from any thread: compare-and-swap, no lock.</summary>
internal sealed class DescriptorBudget
{
    /// <summary>Admin connections allowed beyond the budget, out of the reserve, so the admin endpoint still answers
    /// when connections have spent it all.</summary>
    public const int AdminBeyondBudget = 8;

    private readonly Func<int?> _measure;
    private long _held;
    private long _unopened;
    private int _capacity;
    private int _admin;

    /// <summary>A budget for an open-files limit of <paramref name="limit"/> (<c>null</c>: unknown, no budget).</summary>
    /// <param name="limit">RLIMIT_NOFILE.</param>
    /// <param name="measure">Counts the process's open descriptors; <c>null</c> when it cannot.</param>
    public DescriptorBudget(long? limit, Func<int?> measure)
    {
        Limit = limit;
        _measure = measure;
        Reserve = ReserveFor(limit);
        Refresh();
    }

    /// <summary>The budget of this process (limit from /proc/self/limits, descriptors from /proc/self/fd).</summary>
    public static DescriptorBudget ForProcess() => new(ProcessLimits.OpenFilesLimit(), ProcessLimits.OpenDescriptors);

    /// <summary>The open-files limit; <c>null</c> when unknown (then nothing is refused).</summary>
    public long? Limit { get; }

    /// <summary>Descriptors kept free for the runtime, beside the budget: one thirty-second of the limit, at least 16
    /// and at most 256, plus <see cref="AdminBeyondBudget"/>.</summary>
    public int Reserve { get; }

    /// <summary>Descriptors the rest of the process held at the last measurement.</summary>
    public int Others { get; private set; }

    /// <summary>Descriptors the gateway may hold now: limit − reserve − others.</summary>
    public int Capacity => Volatile.Read(ref _capacity);

    /// <summary>Descriptors taken now (some promised, not yet open: the backend sockets of connections still in their
    /// handshake).</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>The reserve for an open-files limit.</summary>
    public static int ReserveFor(long? limit) =>
        (int)Math.Clamp((limit ?? 0) / 32, 16, 256) + AdminBeyondBudget;

    /// <summary>The descriptors an accepted connection takes: its own, its backend's, and a socketpair (two) per TLS
    /// bridge reserved for it.</summary>
    public static int ConnectionCost(int bridges) => 2 + (2 * bridges);

    /// <summary>Takes the descriptors of an accepted connection (its own, open now, its backend's, promised, and the
    /// socketpairs of <paramref name="bridges"/> TLS bridges, promised).</summary>
    public bool TryTakeConnection(int bridges = 0)
    {
        if (!TryTake(ConnectionCost(bridges)))
        {
            return false;
        }

        Interlocked.Increment(ref _unopened);
        return true;
    }

    /// <summary>The backend socket of a connection was opened: its promised descriptor is now open.</summary>
    public void BackendOpened() => Interlocked.Decrement(ref _unopened);

    /// <summary>Gives back a connection's two descriptors once both are closed, with the socketpairs reserved for
    /// <paramref name="bridges"/> bridges that never took theirs.</summary>
    public void ReleaseConnection(bool backendOpened, int bridges = 0)
    {
        if (!backendOpened)
        {
            Interlocked.Decrement(ref _unopened);
        }

        Release(ConnectionCost(bridges));
    }

    /// <summary>Takes one descriptor for an admin connection: from the budget, or else from the
    /// <see cref="AdminBeyondBudget"/> kept for it in the reserve (<paramref name="beyond"/>).</summary>
    public bool TryTakeAdmin(out bool beyond)
    {
        beyond = false;
        if (TryTake(1))
        {
            return true;
        }

        if (Interlocked.Increment(ref _admin) <= AdminBeyondBudget)
        {
            beyond = true;
            Interlocked.Add(ref _held, 1);
            return true;
        }

        Interlocked.Decrement(ref _admin);
        return false;
    }

    /// <summary>Gives back an admin connection's descriptor.</summary>
    public void ReleaseAdmin(bool beyond)
    {
        if (beyond)
        {
            Interlocked.Decrement(ref _admin);
        }

        Release(1);
    }

    /// <summary>Admin connections held beyond the budget now.</summary>
    public int AdminBeyond => Volatile.Read(ref _admin);

    /// <summary>Takes <paramref name="count"/> descriptors (a pipe: 2) if the budget has them.</summary>
    public bool TryTake(int count)
    {
        while (true)
        {
            var held = Interlocked.Read(ref _held);
            if (held + count > Capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _held, held + count, held) == held)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back <paramref name="count"/> descriptors.</summary>
    public void Release(int count) => Interlocked.Add(ref _held, -count);

    /// <summary>Measures what the rest of the process holds and sets the capacity from it. The gateway's own open
    /// descriptors are read before and after the count, and the smaller is subtracted: a flood that opens or closes
    /// connections meanwhile makes the estimate of the others too high, never too low.</summary>
    public void Refresh()
    {
        if (Limit is not { } limit)
        {
            Volatile.Write(ref _capacity, int.MaxValue);
            return;
        }

        var before = Open;
        if (_measure() is not { } open)
        {
            Volatile.Write(ref _capacity, (int)Math.Max(0, limit - Reserve - Others));
            return;
        }

        var ours = Math.Min(before, Open);
        Others = (int)Math.Max(0, open - ours);
        Volatile.Write(ref _capacity, (int)Math.Clamp(limit - Reserve - Others, 0, int.MaxValue));
    }

    /// <summary>The gateway's descriptors that are open now (taken, less promised).</summary>
    private long Open => Interlocked.Read(ref _held) - Interlocked.Read(ref _unopened);
}
