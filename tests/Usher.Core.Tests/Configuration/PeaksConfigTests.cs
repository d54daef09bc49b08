using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

public sealed class PeaksConfigTests
{
    private static string With(string peaks) => $$"""
        { "Usher": { {{peaks}}
            "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
        """;

    [Fact]
    public void Peaks_are_recorded_by_default_beside_the_configuration_file()
    {
        var settings = ConfigText.Read(With(""));

        Assert.NotNull(settings.Peaks);
        Assert.Equal(PeakSettings.DefaultFile("/etc/usher"), settings.Peaks.File);
        Assert.Equal(PeakSettings.DefaultMaxBytes, settings.Peaks.MaxBytes);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Peaks.SaveInterval);
    }

    [Fact]
    public void Record_false_records_none_and_a_relative_file_starts_at_the_configuration_folder()
    {
        Assert.Null(ConfigText.Read(With("""  "Peaks": { "Record": false },  """)).Peaks);
        Assert.Equal("/etc/usher/state/peaks.json", ConfigText.Read(With("""  "Peaks": { "File": "state/peaks.json" },  """)).Peaks!.File);
    }

    [Fact]
    public void Every_mistake_in_Peaks_is_named_with_its_key_and_fix()
    {
        var errors = ConfigText.Errors(With("""  "Peaks": { "File": "", "MaxBytes": 10, "SaveInterval": "soon", "Size": 3 },  """));

        Assert.Contains(errors, e => e.Key == "Usher:Peaks:File" && e.Fix.Contains("Record", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Key == "Usher:Peaks:MaxBytes");
        Assert.Contains(errors, e => e.Key == "Usher:Peaks:SaveInterval");
        Assert.Contains(errors, e => e.Key == "Usher:Peaks:Size" && e.Problem == "unknown key");
    }
}
