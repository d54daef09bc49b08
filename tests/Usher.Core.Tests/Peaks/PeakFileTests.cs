using Usher.Peaks;

namespace Usher.Core.Tests.Peaks;

public sealed class PeakFileTests : IDisposable
{
    private const long Hour = 491_000;
    private readonly string _folder = Directory.CreateTempSubdirectory("usher-peaks-").FullName;

    private string File => Path.Combine(_folder, "peaks.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void What_is_written_reads_back_the_same()
    {
        var history = new PeakHistory();
        history.Add(Hour, "pg", "alice", new PeakEntry(3, 0));
        history.Add(Hour, "pg", "bob \"the\" builder", new PeakEntry(5, 7));
        history.Add(Hour + 1, "mqtt", "sensor:1", new PeakEntry(1, 0));

        Assert.Equal(Hour, PeakFile.Write(File, history, 1 << 20));
        var read = PeakFile.Read(File);

        Assert.Equal([Hour, Hour + 1], read.Hours);
        Assert.Equal(new PeakEntry(5, 7), read.Hour(Hour)["pg"]["bob \"the\" builder"]);
        Assert.Equal(new PeakEntry(1, 0), read.Hour(Hour + 1)["mqtt"]["sensor:1"]);
        Assert.Equal(["peaks.json"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_would_pass_its_bound_leaves_out_the_oldest_hours()
    {
        var history = new PeakHistory();
        for (var h = 0; h < 200; h++)
        {
            for (var i = 0; i < 40; i++)
            {
                history.Add(Hour + h, "pg", $"user-{i:D4}", new PeakEntry(1 + (i % 7), 0));
            }
        }

        var oldest = PeakFile.Write(File, history, 64 * 1024);

        Assert.InRange(new FileInfo(File).Length, 32 * 1024, 64 * 1024);
        var read = PeakFile.Read(File);
        Assert.Equal(Hour + 199, read.Hours.Last());
        Assert.Equal(oldest, read.Hours.First());
        Assert.True(oldest > Hour, "the oldest hours were left out");
        Assert.Equal(40, read.Hour(Hour + 199)["pg"].Count);
    }

    [Fact]
    public void An_hour_too_large_for_the_bound_keeps_its_highest_peaks()
    {
        var history = new PeakHistory();
        for (var i = 0; i < 5_000; i++)
        {
            history.Add(Hour, "pg", $"user-{i:D5}", new PeakEntry(i == 4_321 ? 90 : 1, 0));
        }

        PeakFile.Write(File, history, 16 * 1024);

        Assert.True(new FileInfo(File).Length <= 16 * 1024);
        var kept = PeakFile.Read(File).Hour(Hour)["pg"];
        Assert.Equal(90, kept["user-04321"].Peak);
        Assert.InRange(kept.Count, 100, 4_999);
    }

    [Fact]
    public void A_file_that_is_not_a_peak_file_is_refused_naming_it()
    {
        System.IO.File.WriteAllText(File, "{\"Version\":7}");

        var e = Assert.Throws<InvalidDataException>(() => PeakFile.Read(File));

        Assert.Contains(File, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absent_file_is_an_empty_history()
    {
        Assert.Equal(0, PeakFile.Read(File).HourCount);
    }
}
