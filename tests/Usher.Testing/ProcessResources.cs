namespace Usher.Testing;

/// <summary>A process's open descriptors (/proc/PID/fd) and resident memory (VmRSS, bytes), read from outside.</summary>
/// <param name="Fds">Descriptors open.</param>
/// <param name="Rss">Resident memory in bytes.</param>
/// <param name="Modules">Of <paramref name="Fds"/>, the assemblies and symbol files the runtime opened (.dll, .so,
/// .pdb): it opens them when first needed and keeps them open for the life of the process. The first stack trace it
/// renders with line numbers, for one, opens System.Diagnostics.StackTrace, System.Reflection.Metadata,
/// System.IO.MemoryMappedFiles and the .pdb of the frames: seven descriptors that a failing socket call can bring at any
/// time (the socket layer renders the current stack into the exception of a failed asynchronous call), which no connection holds.</param>
public sealed record ProcessResources(long Fds, long Rss, long Modules)
{
    private static readonly string[] ModuleExtensions = [".dll", ".so", ".pdb"];

    /// <summary>The descriptors other than <see cref="Modules"/>: sockets, pipes, event loops, files the process
    /// opened itself. What a leak makes grow.</summary>
    public long Owned => Fds - Modules;

    /// <summary>Reads them now.</summary>
    public static ProcessResources Read(int pid)
    {
        long fds = 0, modules = 0;
        foreach (var fd in new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos())
        {
            fds++;
            if (IsModule(fd))
            {
                modules++;
            }
        }

        return new(fds, ProcessMemory.Rss(pid), modules);
    }

    /// <summary>Descriptors and memory once the process's sockets have wound down: sampled until two readings a second
    /// apart agree (memory within 0.5 %) and, when <paramref name="baseline"/> is given, its own descriptors
    /// (<see cref="Owned"/>) are back to it and memory within <paramref name="rssWithin"/> of it (when given); the last
    /// reading after 20 s otherwise.</summary>
    public static async Task<ProcessResources> SettledAsync(int pid, ProcessResources? baseline = null, double? rssWithin = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = Read(pid);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var now = Read(pid);
            var steady = now.Fds == last.Fds && Math.Abs(now.Rss - last.Rss) <= last.Rss / 200;
            last = now;
            if (steady && (baseline is null
                || (now.Owned <= baseline.Owned && (rssWithin is not { } within || now.Rss <= baseline.Rss * (1 + within)))))
            {
                break;
            }
        }

        return last;
    }

    /// <summary>Whether a descriptor's target (its /proc link) is an assembly or symbol file.</summary>
    public static bool IsModule(string target) =>
        target.StartsWith('/') && ModuleExtensions.Any(e => target.EndsWith(e, StringComparison.Ordinal));

    private static bool IsModule(FileSystemInfo fd)
    {
        try
        {
            return fd.LinkTarget is { } target && IsModule(target);
        }
        catch (IOException)
        {
            // Closed between the listing and the read.
            return false;
        }
    }
}
