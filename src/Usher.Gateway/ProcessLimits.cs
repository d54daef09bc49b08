namespace Usher.Gateway;

/// <summary>Limits of the process that bound how many sessions it can hold.</summary>
internal static class ProcessLimits
{
    /// <summary>A session holds two descriptors; keep some for listeners, logs and the admin API.</summary>
    public static int DefaultMaxSessions()
    {
        var files = OpenFilesLimit();
        return files is null ? 10_000 : (int)Math.Max(16, (files.Value - 64) / 2);
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
