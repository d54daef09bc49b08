using Usher.Gateway.Native;

namespace Usher.Gateway.Engine;

/// <summary>The pipes splice(2) moves payload through, rented only while data flows: an idle session holds none.
/// Owned by one reactor thread; only empty pipes come back.</summary>
internal sealed unsafe class PipePool : IDisposable
{
    /// <summary>Bytes a pipe holds; one splice moves at most this much.</summary>
    public const int Capacity = 64 * 1024;

    private readonly Stack<long> _free = new();
    private readonly int _keep;

    public PipePool(int keep) => _keep = keep;

    /// <summary>Pipes created and not yet closed.</summary>
    public int Live { get; private set; }

    /// <summary>A pipe (read end, write end), or (-1, -1) when the process is out of descriptors.</summary>
    public (int Read, int Write) Rent()
    {
        if (_free.TryPop(out var pair))
        {
            return ((int)(pair >> 32), (int)pair);
        }

        var fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC) != 0)
        {
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
        Live--;
    }

    public void Dispose()
    {
        while (_free.TryPop(out var pair))
        {
            Discard((int)(pair >> 32), (int)pair);
        }
    }
}
