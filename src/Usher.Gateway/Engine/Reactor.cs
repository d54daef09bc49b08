using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Usher.Diagnostics;
using Usher.Gateway.Native;

namespace Usher.Gateway.Engine;

/// <summary>One event loop on its own thread: an edge-triggered epoll set over its listening sockets and sessions.
/// Every descriptor a reactor owns is touched only on its thread; other threads ask it to act through
/// <see cref="Post(IReactorHandler, Action)"/> and <see cref="PostClose"/>, which wake it through an eventfd. No Task,
/// closure or buffer is allocated per read. A failure of epoll_wait itself ends the loop and faults
/// <see cref="Stopped"/>: the gateway fails loudly rather than keep a listening socket no loop serves.</summary>
internal sealed unsafe partial class Reactor : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(IReactorHandler? Owner, Action Action)> _work = new();
    private readonly ConcurrentQueue<IReactorHandler> _closes = new();
    // Deadlines pending on this loop (handshakes, backend connects, reclaim probes): removed as soon as they are
    // cancelled, so a session that ends holds no reference here and dies young.
    private readonly DeadlineHeap _deadlines = new();
    private long _nextTrim;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReactorHandler?[] _slots = new IReactorHandler?[1024];
    private uint[] _generations = new uint[1024];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private int _wakePending;
    private volatile bool _stopping;

    public Reactor(int index, ILogger logger, int pipeLimit = 4096, DescriptorBudget? budget = null)
    {
        Index = index;
        _logger = logger;
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        _wake = Libc.EventFd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (_epoll < 0 || _wake < 0)
        {
            throw new InvalidOperationException($"cannot create the event loop (errno {Libc.Errno})");
        }

        Libc.EpollControl(_epoll, Libc.EPOLL_CTL_ADD, _wake, Libc.EPOLLIN, WakeToken);
        Pipes = new PipePool(keep: 256, pipeLimit, budget);
        _thread = new Thread(Run) { IsBackground = true, Name = $"usher-reactor-{index}" };
    }

    public int Index { get; }

    /// <summary>One buffer for the small reads of all this reactor's sessions (they run one at a time), and for
    /// moving data when no pipe can be had.</summary>
    public byte[] Scratch { get; } = GC.AllocateArray<byte>(64 * 1024, pinned: true);

    /// <summary>Whether small reads are copied through <see cref="Scratch"/> (the default) rather than spliced
    /// (USHER_SPLICE_ONLY=1, for comparison).</summary>
    public bool CopySmallReads { get; } = Environment.GetEnvironmentVariable("USHER_SPLICE_ONLY") != "1";

    /// <summary>The pipes of this reactor's sessions.</summary>
    public PipePool Pipes { get; }

    /// <summary>Whether the caller runs on this reactor's thread.</summary>
    public bool OnThread => Thread.CurrentThread == _thread;

    /// <summary>Completes when the loop has exited.</summary>
    public Task Stopped => _stopped.Task;

    public void Start() => _thread.Start();

    /// <summary>Runs <paramref name="action"/> on the reactor thread, for no handler in particular: an exception it
    /// throws is logged and the loop goes on.</summary>
    public void Post(Action action)
    {
        _work.Enqueue((null, action));
        Wake();
    }

    /// <summary>Runs <paramref name="action"/> on the reactor thread on behalf of <paramref name="owner"/> (a
    /// session): an exception it throws goes to the owner's <see cref="IReactorHandler.OnFault"/>, which ends it.</summary>
    public void Post(IReactorHandler owner, Action action)
    {
        _work.Enqueue((owner, action));
        Wake();
    }

    /// <summary>Asks the reactor to close a handler (a session) on its thread; allocation-free.</summary>
    public void PostClose(IReactorHandler handler)
    {
        _closes.Enqueue(handler);
        Wake();
    }

    /// <summary>Registers a handler; the returned token identifies it in epoll events (slot, generation).</summary>
    public ulong Register(IReactorHandler handler)
    {
        int slot;
        if (!_freeSlots.TryPop(out slot))
        {
            slot = _nextSlot++;
            if (slot == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
                Array.Resize(ref _generations, _generations.Length * 2);
            }
        }

        _slots[slot] = handler;
        // Generations count from 1, so no live token is ever 0.
        return ((ulong)(_generations[slot] + 1) << 32) | ((uint)slot << 1);
    }

    /// <summary>Forgets a handler: events already fetched for it are dropped.</summary>
    public void Unregister(ulong token)
    {
        var slot = (int)((uint)token >> 1);
        _slots[slot] = null;
        _generations[slot]++;
        _freeSlots.Push(slot);
    }

    /// <summary>Adds a descriptor to the epoll set, edge-triggered for sessions.</summary>
    public int Add(int fd, uint events, ulong token, int side) =>
        Libc.EpollControl(_epoll, Libc.EPOLL_CTL_ADD, fd, events, token | (uint)side);

    /// <summary>Watches a session's socket, edge-triggered, for reading, writing and the peer's end.</summary>
    public int Watch(int fd, ulong token, int side) =>
        Add(fd, Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP | Libc.EPOLLET, token, side);

    public int Remove(int fd) => Libc.EpollControl(_epoll, Libc.EPOLL_CTL_DEL, fd, 0, 0);

    /// <summary>Calls <see cref="IReactorHandler.OnDeadline"/> once, at or after <paramref name="deadline"/>
    /// (<see cref="Environment.TickCount64"/> milliseconds).</summary>
    public void AddDeadline(IReactorHandler handler, long deadline) => _deadlines.Add(handler, deadline);

    /// <summary>Cancels every deadline of <paramref name="handler"/>; found through an index, not a scan.</summary>
    public void RemoveDeadline(IReactorHandler handler) => _deadlines.Remove(handler);

    /// <summary>The epoll descriptor (for tests that make the loop fail).</summary>
    internal int EpollDescriptor => _epoll;

    /// <summary>Deadlines pending (for tests).</summary>
    internal int PendingDeadlines => _deadlines.Count;

    /// <summary>Stops the loop; handlers still registered are left to the caller.</summary>
    public void Stop()
    {
        _stopping = true;
        Wake();
    }

    public void Dispose()
    {
        Stop();
        if (_thread.IsAlive && !OnThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Libc.Write(_wake, &one, sizeof(ulong));
        }
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Libc.EpollEventSize));
        Exception? failure = null;
        try
        {
            while (!_stopping)
            {
                var n = Libc.EpollWait(_epoll, events, MaxEvents, NextTimeout());
                if (n < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    failure = new IOException($"reactor {Index}: epoll_wait failed, {Errors.Describe(errno)}");
                    _logger.ReactorFailed(failure, Index, failure.Message);
                    break;
                }

                for (var i = 0; i < n; i++)
                {
                    var e = events + (i * Libc.EpollEventSize);
                    var token = *(ulong*)(e + Libc.EpollDataOffset);
                    if (token == WakeToken)
                    {
                        RunPosted();
                        continue;
                    }

                    Dispatch(token, *(uint*)e);
                }

                if (_deadlines.Count > 0)
                {
                    RunDeadlines();
                }

                if (Environment.TickCount64 >= _nextTrim)
                {
                    Pipes.Trim();
                    _nextTrim = Environment.TickCount64 + 1000;
                }
            }

            RunPosted();
        }
        catch (Exception e)
        {
            // Nothing a handler throws gets here (each call is guarded); this is the loop itself.
            _logger.ReactorFailed(e, Index, e.Message);
            failure = e;
        }
        finally
        {
            NativeMemory.Free(events);
            Pipes.Dispose();
            Libc.Close(_wake);
            Libc.Close(_epoll);
            if (failure is null)
            {
                _stopped.TrySetResult();
            }
            else
            {
                _stopped.TrySetException(failure);
            }
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        var slot = (int)((uint)token >> 1);
        var handler = _slots[slot];
        if (handler is null || _generations[slot] + 1 != (uint)(token >> 32))
        {
            return;
        }

        try
        {
            handler.OnEvent(ReadinessOf(events), (int)(token & 1));
        }
        catch (Exception e)
        {
            Fault(handler, e);
        }
    }

    /// <summary>The epoll bits as the typed readiness handlers see.</summary>
    internal static Readiness ReadinessOf(uint events)
    {
        var readiness = Readiness.None;
        if ((events & Libc.EPOLLIN) != 0)
        {
            readiness |= Readiness.Readable;
        }

        if ((events & Libc.EPOLLOUT) != 0)
        {
            readiness |= Readiness.Writable;
        }

        if ((events & Libc.EPOLLRDHUP) != 0)
        {
            readiness |= Readiness.PeerClosedWrite;
        }

        if ((events & Libc.EPOLLHUP) != 0)
        {
            readiness |= Readiness.Hangup;
        }

        if ((events & Libc.EPOLLERR) != 0)
        {
            readiness |= Readiness.Error;
        }

        return readiness;
    }

    private void RunPosted()
    {
        ulong value;
        Libc.Read(_wake, &value, sizeof(ulong));
        // A full fence: the flag must read 0 before the queues are drained. With a plain release store the drain's
        // reads could pass it, a Post in between would see the flag still set and not wake the loop, and its work
        // would wait for the next post.
        Interlocked.Exchange(ref _wakePending, 0);
        while (_closes.TryDequeue(out var handler))
        {
            try
            {
                handler.OnPosted();
            }
            catch (Exception e)
            {
                Fault(handler, e);
            }
        }

        while (_work.TryDequeue(out var work))
        {
            try
            {
                work.Action();
            }
            catch (Exception e) when (work.Owner is { } owner)
            {
                Fault(owner, e);
            }
            catch (Exception e)
            {
                _logger.AcceptFailed($"reactor {Index}", e.ToString());
            }
        }
    }

    private int NextTimeout()
    {
        if (_deadlines.Count == 0)
        {
            return 1000;
        }

        return (int)Math.Clamp(_deadlines.Earliest - Environment.TickCount64, 0, 1000);
    }

    private void RunDeadlines()
    {
        var now = Environment.TickCount64;
        while (_deadlines.TryTakeDue(now, out var handler))
        {
            try
            {
                handler!.OnDeadline(now);
            }
            catch (Exception e)
            {
                Fault(handler!, e);
            }
        }
    }

    /// <summary>Hands an exception to the handler it belongs to; one its fault handling throws in turn is logged, so
    /// the loop goes on.</summary>
    private void Fault(IReactorHandler handler, Exception exception)
    {
        try
        {
            handler.OnFault(exception);
        }
        catch (Exception e)
        {
            _logger.AcceptFailed($"reactor {Index}", e.ToString());
        }
    }
}
