namespace Usher.Testing;

/// <summary>A process's open descriptors (/proc/PID/fd) and resident memory (VmRSS, bytes), read from outside.</summary>
/// <param name="Fds">Descriptors open.</param>
/// <param name="Rss">Resident memory in bytes.</param>
public sealed record ProcessResources(long Fds, long Rss)
{
    /// <summary>Reads them now.</summary>
    public static ProcessResources Read(int pid) => new(Directory.GetFiles($"/proc/{pid}/fd").Length, ProcessMemory.Rss(pid));

    /// <summary>Descriptors and memory once the process's sockets have wound down: sampled until two readings a second
    /// apart agree (memory within 0.5 %) and, when <paramref name="baseline"/> is given, descriptors are back to it
    /// and memory within <paramref name="rssWithin"/> of it (when given); the last reading after 20 s otherwise.</summary>
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
                || (now.Fds <= baseline.Fds && (rssWithin is not { } within || now.Rss <= baseline.Rss * (1 + within)))))
            {
                break;
            }
        }

        return last;
    }
}
