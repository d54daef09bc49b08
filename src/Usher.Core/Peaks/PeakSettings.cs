namespace Usher.Configuration;

/// <summary>The <c>Peaks</c> section: where each identity's peak concurrent sessions per listener per hour are kept
/// across restarts, for <c>usher advise</c>.</summary>
public sealed class PeakSettings
{
    /// <summary>The default bound of the file, in bytes.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>Whether peaks are recorded at all.</summary>
    public bool Record { get; init; } = true;

    /// <summary>The file, a full path.</summary>
    public required string File { get; init; }

    /// <summary>The most the file may hold; the oldest hours are dropped first to stay within it.</summary>
    public int MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>How often the peaks are written (and always when the gateway stops).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The file used when the configuration names none: <c>usher-peaks.json</c> in systemd's
    /// <c>STATE_DIRECTORY</c> when set, else beside the configuration file.</summary>
    public static string DefaultFile(string configFolder)
    {
        var state = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        var folder = string.IsNullOrWhiteSpace(state) ? configFolder : state.Split(':')[0];
        return Path.Combine(folder, "usher-peaks.json");
    }
}
