namespace Usher.Gateway;

/// <summary>Limits of the process that bound how many sessions it can hold.</summary>
internal static class ProcessLimits
{
    /// <summary>A session holds two descriptors. The runtime already holds many before the first session (each loaded
    /// assembly stays open, about 120 descriptors for <c>usher run</c>), so those open now are set aside too, the
    /// reserve of the <see cref="Engine.DescriptorBudget"/>, and the pipes of <see cref="PipeBudget"/>.</summary>
    public static int DefaultMaxSessions()
    {
        var files = OpenFilesLimit();
        return files is null
            ? 10_000
            : (int)Math.Max(16, (files.Value - (OpenDescriptors() ?? 0) - Engine.DescriptorBudget.ReserveFor(files) - (2L * PipeBudget(files))) / 2);
    }

    /// <summary>Pipes (two descriptors each) the reactors may hold at once, all together: one sixteenth of the
    /// open-files limit, at least 8 and at most 4,096. Only sessions moving data hold one; past the budget a
    /// direction copies through the reactor's buffer instead (see ProxySession.PeekCopy).</summary>
    public static int PipeBudget(long? files = null) =>
        (int)Math.Clamp((files ?? OpenFilesLimit() ?? 65_536) / 16, 8, 4096);

    /// <summary>Descriptors this process holds now, from /proc/self/fd: the size the kernel reports of the folder (one
    /// system call, Linux 6.2 and later), else its entries counted (a stat and an lstat of each on older kernels, which
    /// report a size of 0). Measured every second (<see cref="Engine.DescriptorBudget"/>), so this is what an idle
    /// gateway holding many sessions pays.</summary>
    public static int? OpenDescriptors()
    {
        if (Native.Libc.StatxFileSize("/proc/self/fd") is > 0 and var size)
        {
            return (int)size;
        }

        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The soft RLIMIT_NOFILE, read from /proc/self/limits.</summary>
    public static long? OpenFilesLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(parts[3], out var soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
