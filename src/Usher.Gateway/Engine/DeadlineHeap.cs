namespace Usher.Gateway.Engine;

/// <summary>The deadlines pending on one reactor: a binary min-heap, and per handler the chain of its entries. The
/// earliest is found in O(1); adding is O(log n); removing a handler's deadlines is O(1) each: the entry is cancelled
/// where it stands (it lets go of its handler at once, so an ended session holds no reference here) and leaves the
/// heap when it reaches the top, or when cancelled entries outnumber live ones and the heap is rebuilt of the live
/// ones alone (O(n), so O(1) amortized per removal, and the heap never holds more than twice what is pending). Entries
/// are pooled: adding a deadline allocates nothing once the loop is warm. Used on the reactor thread only.</summary>
internal sealed class DeadlineHeap
{
    private readonly Dictionary<IReactorHandler, Entry> _byHandler = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<Entry> _free = new();
    private Entry[] _heap = new Entry[64];

    /// <summary>Entries in the heap, live and cancelled.</summary>
    private int _size;

    /// <summary>Cancelled entries still in the heap.</summary>
    private int _cancelled;

    /// <summary>Deadlines pending.</summary>
    public int Count => _size - _cancelled;

    /// <summary>Entries the heap holds, cancelled ones included (for tests: never much more than twice
    /// <see cref="Count"/>).</summary>
    internal int Held => _size;

    /// <summary>The earliest pending deadline; only when <see cref="Count"/> is positive. Cancelled entries at the top
    /// leave the heap on the way.</summary>
    public long Earliest
    {
        get
        {
            DropCancelledTop();
            return _heap[0].Deadline;
        }
    }

    /// <summary>Adds a deadline for <paramref name="handler"/>, beside any it has already.</summary>
    public void Add(IReactorHandler handler, long deadline)
    {
        var entry = _free.Count > 0 ? _free.Pop() : new Entry();
        entry.Handler = handler;
        entry.Deadline = deadline;
        entry.Next = _byHandler.GetValueOrDefault(handler);
        _byHandler[handler] = entry;
        if (_size == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        entry.Index = _size++;
        _heap[entry.Index] = entry;
        Up(entry.Index);
    }

    /// <summary>Removes every deadline of <paramref name="handler"/>.</summary>
    public void Remove(IReactorHandler handler)
    {
        if (Count == 0 || !_byHandler.Remove(handler, out var entry))
        {
            return;
        }

        while (entry is not null)
        {
            var next = entry.Next;
            entry.Handler = null;
            entry.Next = null;
            _cancelled++;
            entry = next;
        }

        if (_cancelled > 32 && _cancelled > _size / 2)
        {
            Rebuild();
        }
    }

    /// <summary>Keeps the live entries alone and restores the heap order (Floyd's build, O(n)).</summary>
    private void Rebuild()
    {
        var live = 0;
        for (var i = 0; i < _size; i++)
        {
            var entry = _heap[i];
            if (entry.Handler is null)
            {
                _free.Push(entry);
            }
            else
            {
                Place(entry, live++);
            }
        }

        Array.Clear(_heap, live, _size - live);
        _size = live;
        _cancelled = 0;
        for (var i = (_size / 2) - 1; i >= 0; i--)
        {
            Down(i);
        }
    }

    private void DropCancelledTop()
    {
        while (_size > 0 && _heap[0].Handler is null)
        {
            var entry = _heap[0];
            RemoveAt(0);
            _cancelled--;
            _free.Push(entry);
        }
    }

    /// <summary>Takes the earliest deadline if it is at or before <paramref name="now"/>.</summary>
    public bool TryTakeDue(long now, out IReactorHandler? handler)
    {
        DropCancelledTop();
        if (_size == 0 || _heap[0].Deadline > now)
        {
            handler = null;
            return false;
        }

        var entry = _heap[0];
        handler = entry.Handler;
        RemoveAt(0);
        Unchain(entry);
        Recycle(entry);
        return true;
    }

    private void Unchain(Entry entry)
    {
        var head = _byHandler[entry.Handler!];
        if (ReferenceEquals(head, entry))
        {
            if (entry.Next is null)
            {
                _byHandler.Remove(entry.Handler!);
            }
            else
            {
                _byHandler[entry.Handler!] = entry.Next;
            }

            return;
        }

        while (!ReferenceEquals(head.Next, entry))
        {
            head = head.Next!;
        }

        head.Next = entry.Next;
    }

    private void Recycle(Entry entry)
    {
        entry.Handler = null;
        entry.Next = null;
        _free.Push(entry);
    }

    private void RemoveAt(int index)
    {
        var last = --_size;
        if (index != last)
        {
            _heap[index] = _heap[last];
            _heap[index].Index = index;
            _heap[last] = null!;
            if (index > 0 && _heap[index].Deadline < _heap[(index - 1) / 2].Deadline)
            {
                Up(index);
            }
            else
            {
                Down(index);
            }
        }
        else
        {
            _heap[last] = null!;
        }
    }

    private void Up(int index)
    {
        var entry = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (_heap[parent].Deadline <= entry.Deadline)
            {
                break;
            }

            Place(_heap[parent], index);
            index = parent;
        }

        Place(entry, index);
    }

    private void Down(int index)
    {
        var entry = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _size)
            {
                break;
            }

            if (child + 1 < _size && _heap[child + 1].Deadline < _heap[child].Deadline)
            {
                child++;
            }

            if (_heap[child].Deadline >= entry.Deadline)
            {
                break;
            }

            Place(_heap[child], index);
            index = child;
        }

        Place(entry, index);
    }

    private void Place(Entry entry, int index)
    {
        _heap[index] = entry;
        entry.Index = index;
    }

    private sealed class Entry
    {
        public IReactorHandler? Handler;
        public long Deadline;
        public int Index;
        public Entry? Next;
    }
}
