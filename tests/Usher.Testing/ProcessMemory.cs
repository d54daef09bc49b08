using System.Globalization;

namespace Usher.Testing;

/// <summary>Resident memory of a process, from <c>/proc/PID/status</c>.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of <paramref name="pid"/> (this process by default), in bytes.</summary>
    public static long Rss(int? pid = null) => Field(pid, "VmRSS:");

    /// <summary>VmHWM (the peak resident size) of <paramref name="pid"/>, in bytes.</summary>
    public static long PeakRss(int? pid = null) => Field(pid, "VmHWM:");

    private static long Field(int? pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid?.ToString(CultureInfo.InvariantCulture) ?? "self"}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                var kb = line[name.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"{name} not found in /proc/{pid}/status");
    }
}
