using Microsoft.Extensions.Time.Testing;
using Usher.Peaks;

namespace Usher.Core.Tests.Peaks;

public sealed class PeakBookTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 18, 10, 0, TimeSpan.Zero);

    [Fact]
    public void An_hour_keeps_the_highest_count_of_each_identity_and_counts_its_refusals()
    {
        var time = new FakeTimeProvider(Start);
        var book = new PeakBook(time);

        book.Admitted("pg", "alice", 1);
        book.Admitted("pg", "alice", 3);
        book.Admitted("pg", "alice", 2);
        book.Refused("pg", "bob", 4);
        book.Refused("pg", "bob", 4);
        book.Admitted("mq", "alice", 1);

        var hour = book.Read().Hour(PeakHistory.HourOf(Start));
        Assert.Equal(new PeakEntry(3, 0), hour["pg"]["alice"]);
        Assert.Equal(new PeakEntry(4, 2), hour["pg"]["bob"]);
        Assert.Equal(new PeakEntry(1, 0), hour["mq"]["alice"]);
    }

    [Fact]
    public void A_new_hour_starts_from_nothing_and_the_ended_one_is_kept()
    {
        var time = new FakeTimeProvider(Start);
        var book = new PeakBook(time);
        book.Admitted("pg", "alice", 5);

        time.Advance(TimeSpan.FromHours(1));
        book.Admitted("pg", "alice", 1);
        time.Advance(TimeSpan.FromHours(1));
        var history = book.Read();

        Assert.Equal(2, history.HourCount);
        Assert.Equal(5, history.Hour(PeakHistory.HourOf(Start))["pg"]["alice"].Peak);
        Assert.Equal(1, history.Hour(PeakHistory.HourOf(Start) + 1)["pg"]["alice"].Peak);
    }

    [Fact]
    public void Hours_loaded_from_the_file_merge_with_those_recorded_since()
    {
        var time = new FakeTimeProvider(Start);
        var book = new PeakBook(time);
        book.Admitted("pg", "alice", 2);
        var loaded = new PeakHistory();
        loaded.Add(PeakHistory.HourOf(Start), "pg", "alice", new PeakEntry(4, 1));
        loaded.Add(PeakHistory.HourOf(Start) - 5, "pg", "bob", new PeakEntry(1, 0));

        book.Load(loaded);
        var history = book.Read();

        Assert.Equal(new PeakEntry(4, 1), history.Hour(PeakHistory.HourOf(Start))["pg"]["alice"]);
        Assert.Equal(2, history.HourCount);
    }

    [Fact]
    public void Recording_from_many_threads_while_the_book_is_read_loses_no_peak()
    {
        var time = new FakeTimeProvider(Start);
        var book = new PeakBook(time);

        Parallel.For(0, 8, thread =>
        {
            for (var i = 1; i <= 2_000; i++)
            {
                book.Admitted("pg", $"user{i % 50}", i);
                if (i % 500 == 0)
                {
                    book.Read();
                }
            }
        });

        var hour = book.Read().Hour(PeakHistory.HourOf(Start))["pg"];
        Assert.Equal(50, hour.Count);
        Assert.Equal(2_000, hour["user0"].Peak);
        Assert.Equal(1_999, hour["user49"].Peak);
    }
}
