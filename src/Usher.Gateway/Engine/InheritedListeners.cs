using System.Globalization;
using System.Net;
using Usher.Gateway.Native;

namespace Usher.Gateway.Engine;

/// <summary>Graceful restart: the listening sockets of a running Usher, duplicated into this process with
/// pidfd_getfd(2). Both processes then hold the same sockets — the same accept queues — so a connection that arrives
/// while the old process stops accepting waits for the new one instead of being refused. Sockets are found by their
/// address: the old process's descriptors (/proc/PID/fd) are matched with listening sockets in /proc/net/tcp{,6}.</summary>
public sealed class InheritedListeners : IDisposable
{
    private readonly Dictionary<IPEndPoint, Queue<int>> _byAddress;

    private InheritedListeners(Dictionary<IPEndPoint, Queue<int>> byAddress) => _byAddress = byAddress;

    /// <summary>How many sockets were taken over.</summary>
    public int Count => _byAddress.Values.Sum(q => q.Count);

    /// <summary>Duplicates every listening TCP socket of process <paramref name="pid"/>.</summary>
    /// <exception cref="InvalidOperationException">The process is gone, or the kernel refuses (needs Linux 5.6 and the
    /// same user or root).</exception>
    public static InheritedListeners From(int pid)
    {
        var listening = ListeningSocketsByInode();
        var found = new Dictionary<IPEndPoint, Queue<int>>();
        var pidfd = Pidfd.Open(pid);
        try
        {
            foreach (var link in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                string? target;
                try
                {
                    target = new FileInfo(link).LinkTarget;
                }
                catch (IOException)
                {
                    continue;
                }

                if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal)
                    || !listening.TryGetValue(target[8..^1], out var endpoint))
                {
                    continue;
                }

                var fd = Pidfd.GetFd(pidfd, int.Parse(Path.GetFileName(link), CultureInfo.InvariantCulture));
                if (!found.TryGetValue(endpoint, out var queue))
                {
                    found[endpoint] = queue = new Queue<int>();
                }

                queue.Enqueue(fd);
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the descriptors of process {pid}: {e.Message}", e);
        }
        finally
        {
            Libc.Close(pidfd);
        }

        return new InheritedListeners(found);
    }

    /// <summary>Takes one inherited socket listening on <paramref name="endpoint"/>, or -1.</summary>
    public int Take(IPEndPoint endpoint)
    {
        foreach (var (address, queue) in _byAddress)
        {
            if (address.Port == endpoint.Port && (address.Address.Equals(endpoint.Address)
                || (endpoint.Address.Equals(IPAddress.IPv6Any) && address.Address.Equals(IPAddress.IPv6Any)))
                && queue.TryDequeue(out var fd))
            {
                return fd;
            }
        }

        return -1;
    }

    /// <summary>Closes the sockets no listener took.</summary>
    public void Dispose()
    {
        foreach (var queue in _byAddress.Values)
        {
            while (queue.TryDequeue(out var fd))
            {
                Libc.Close(fd);
            }
        }
    }

    /// <summary>Listening sockets of this network namespace by inode, from /proc/net/tcp and tcp6.</summary>
    private static Dictionary<string, IPEndPoint> ListeningSocketsByInode()
    {
        var result = new Dictionary<string, IPEndPoint>(StringComparer.Ordinal);
        foreach (var (file, v6) in new[] { ("/proc/net/tcp", false), ("/proc/net/tcp6", true) })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != "0A")
                {
                    continue;
                }

                result[f[9]] = ParseAddress(f[1], v6);
            }
        }

        return result;
    }

    /// <summary>"0100007F:1F90" (little-endian words) to 127.0.0.1:8080.</summary>
    private static IPEndPoint ParseAddress(string text, bool v6)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var hex = Convert.FromHexString(text[..colon]);
        for (var i = 0; i < hex.Length; i += 4)
        {
            Array.Reverse(hex, i, 4);
        }

        var address = new IPAddress(hex);
        if (v6 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return new IPEndPoint(address, int.Parse(text[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
