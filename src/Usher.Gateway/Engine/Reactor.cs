using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Usher.Diagnostics;
using Usher.Gateway.Native;

namespace Usher.Gateway.Engine;

/// <summary>One event loop on its own thread: an edge-triggered epoll set over its listening sockets and sessions.
/// Every descriptor a reactor owns is touched only on its thread; other threads ask it to act through
/// <see cref="Post(Action)"/> and <see cref="PostClose"/>, which wake it through an eventfd. No Task, closure or
/// buffer is allocated per read.</summary>
internal sealed unsafe partial class Reactor : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly ConcurrentQueue<IReactorHandler> _closes = new();
    // Deadlines in a min-heap; RemoveDeadline forgets the handler's stamp so its entries still in the heap go stale
    // and are dropped when they surface. Adding and removing are O(log n) and O(1), the next timeout O(1).
    private readonly PriorityQueue<(IReactorHandler Handler, uint Stamp), long> _deadlines = new();
    private readonly Dictionary<IReactorHandler, (uint Stamp, int Pending)> _armed = new(ReferenceEqualityComparer.Instance);
    private uint _nextStamp;
    private long _nextTrim;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReactorHandler?[] _slots = new IReactorHandler?[1024];
    private uint[] _generations = new uint[1024];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private int _wakePending;
    private volatile bool _stopping;

    public Reactor(int index, ILogger logger, int pipeLimit = 4096)
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
        Pipes = new PipePool(keep: 256, pipeLimit);
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

    /// <summary>Runs <paramref name="action"/> on the reactor thread.</summary>
    public void Post(Action action)
    {
        _work.Enqueue(action);
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

    public int Remove(int fd) => Libc.EpollControl(_epoll, Libc.EPOLL_CTL_DEL, fd, 0, 0);

    /// <summary>Calls <see cref="IReactorHandler.OnDeadline"/> once, at or after <paramref name="deadline"/>
    /// (<see cref="Environment.TickCount64"/> milliseconds).</summary>
    public void AddDeadline(IReactorHandler handler, long deadline)
    {
        ref var armed = ref CollectionsMarshal.GetValueRefOrAddDefault(_armed, handler, out var exists);
        if (!exists)
        {
            armed.Stamp = ++_nextStamp;
        }

        armed.Pending++;
        _deadlines.Enqueue((handler, armed.Stamp), deadline);
    }

    /// <summary>Cancels every pending deadline of <paramref name="handler"/>.</summary>
    public void RemoveDeadline(IReactorHandler handler) => _armed.Remove(handler);

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
        try
        {
            while (!_stopping)
            {
                var n = Libc.EpollWait(_epoll, events, MaxEvents, NextTimeout());
                if (n < 0)
                {
                    if (Libc.Errno == Libc.EINTR)
                    {
                        continue;
                    }

                    _logger.AcceptFailed($"reactor {Index}", $"epoll_wait failed, errno {Libc.Errno}");
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
        finally
        {
            NativeMemory.Free(events);
            Pipes.Dispose();
            Libc.Close(_wake);
            Libc.Close(_epoll);
            _stopped.TrySetResult();
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
            handler.OnEvent(events, (int)(token & 1));
        }
        catch (Exception e)
        {
            handler.OnFault(e);
        }
    }

    private void RunPosted()
    {
        ulong value;
        Libc.Read(_wake, &value, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0);
        while (_closes.TryDequeue(out var handler))
        {
            try
            {
                handler.OnPosted();
            }
            catch (Exception e)
            {
                handler.OnFault(e);
            }
        }

        while (_work.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _logger.AcceptFailed($"reactor {Index}", e.ToString());
            }
        }
    }

    private int NextTimeout()
    {
        while (_deadlines.TryPeek(out var entry, out var deadline))
        {
            if (IsLive(entry))
            {
                return (int)Math.Clamp(deadline - Environment.TickCount64, 0, 1000);
            }

            _deadlines.Dequeue();
        }

        return 1000;
    }

    private bool IsLive((IReactorHandler Handler, uint Stamp) entry) =>
        _armed.TryGetValue(entry.Handler, out var armed) && armed.Stamp == entry.Stamp;

    private void RunDeadlines()
    {
        var now = Environment.TickCount64;
        // Bounded by what is due now: a handler re-arming for "now" runs on the next turn, not in a loop here.
        for (var due = _deadlines.Count; due > 0 && _deadlines.TryPeek(out var entry, out var deadline) && deadline <= now; due--)
        {
            _deadlines.Dequeue();
            ref var armed = ref CollectionsMarshal.GetValueRefOrNullRef(_armed, entry.Handler);
            if (Unsafe.IsNullRef(ref armed) || armed.Stamp != entry.Stamp)
            {
                continue;
            }

            if (--armed.Pending == 0)
            {
                _armed.Remove(entry.Handler);
            }

            try
            {
                entry.Handler.OnDeadline(now);
            }
            catch (Exception e)
            {
                entry.Handler.OnFault(e);
            }
        }
    }
}
