namespace Usher.Gateway.Engine;

/// <summary>The deadlines pending on one reactor: a binary min-heap whose entries know their index, and per handler
/// the chain of its entries, so the earliest is found in O(1), and a handler's deadlines are removed in O(log n) each,
/// found without a scan. An ended session is out of the heap at once and holds no reference here. Entries are pooled:
/// adding a deadline allocates nothing once the loop is warm. Used on the reactor thread only.</summary>
internal sealed class DeadlineHeap
{
    private readonly Dictionary<IReactorHandler, Entry> _byHandler = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<Entry> _free = new();
    private Entry[] _heap = new Entry[64];

    /// <summary>Deadlines pending.</summary>
    public int Count { get; private set; }

    /// <summary>The earliest deadline; only when <see cref="Count"/> is positive.</summary>
    public long Earliest => _heap[0].Deadline;

    /// <summary>Adds a deadline for <paramref name="handler"/>, beside any it has already.</summary>
    public void Add(IReactorHandler handler, long deadline)
    {
        var entry = _free.Count > 0 ? _free.Pop() : new Entry();
        entry.Handler = handler;
        entry.Deadline = deadline;
        entry.Next = _byHandler.GetValueOrDefault(handler);
        _byHandler[handler] = entry;
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        entry.Index = Count++;
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
            RemoveAt(entry.Index);
            Recycle(entry);
            entry = next;
        }
    }

    /// <summary>Takes the earliest deadline if it is at or before <paramref name="now"/>.</summary>
    public bool TryTakeDue(long now, out IReactorHandler? handler)
    {
        if (Count == 0 || _heap[0].Deadline > now)
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
        var last = --Count;
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
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && _heap[child + 1].Deadline < _heap[child].Deadline)
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
