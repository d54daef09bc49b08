using Microsoft.Extensions.Configuration;

namespace Usher.Configuration;

/// <summary>The <c>Peaks</c> section: the file of recorded peaks <c>usher advise</c> reads.</summary>
public sealed partial class ConfigReader
{
    /// <summary>The smallest bound of the peak file: room for a few hours of a few hundred identities.</summary>
    private const int MinPeakBytes = 16 * 1024;

    private PeakSettings? ReadPeaks(IConfigurationSection usher)
    {
        var section = usher.GetSection("Peaks");
        if (section.Value is { Length: > 0 } text)
        {
            Error(section.Path, $"\"{text}\" must be an object",
                """write e.g. "Peaks": { "File": "/var/lib/usher/peaks.json" }, or "Peaks": { "Record": false } to record none""");
            return null;
        }

        CheckKnownKeys(section, ConfigKeys.Peaks);
        var record = Bool(section, "Record") ?? true;
        var file = section.GetSection("File");
        string full;
        if (file.Value is null)
        {
            full = PeakSettings.DefaultFile(ConfigFolder());
        }
        else if (string.IsNullOrWhiteSpace(file.Value))
        {
            Error(file.Path, "the file name is empty",
                """write a path Usher may write, e.g. "/var/lib/usher/peaks.json", or "Record": false to record none""");
            full = string.Empty;
        }
        else
        {
            full = Path.IsPathRooted(file.Value) ? file.Value : Path.GetFullPath(file.Value, ConfigFolder());
            if (Directory.Exists(full))
            {
                Error(file.Path, $"\"{full}\" is a folder", "name a file inside it, e.g. " + Path.Combine(full, "usher-peaks.json"));
            }
        }

        var maxBytes = Int(section, "MaxBytes", MinPeakBytes, 256 * 1024 * 1024) ?? PeakSettings.DefaultMaxBytes;
        var interval = Duration(section, "SaveInterval") ?? TimeSpan.FromMinutes(1);
        return record ? new PeakSettings { File = full, MaxBytes = maxBytes, SaveInterval = interval } : null;
    }
}
