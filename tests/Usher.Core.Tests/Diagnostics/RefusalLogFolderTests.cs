using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Usher.Diagnostics;

namespace Usher.Core.Tests.Diagnostics;

public sealed class RefusalLogFolderTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogger _log = new();
    private readonly RefusalLogFolder _folder;

    public RefusalLogFolderTests() => _folder = new RefusalLogFolder(_log, _time, Interval);

    private IReadOnlyList<FakeLogRecord> Lines => _log.Collector.GetSnapshot();

    [Fact]
    public void TheFirstRefusalOfAnIdentityIsLoggedAtOnce()
    {
        _folder.Refused(Refusal("10.0.0.7", port: 40000));

        var line = Assert.Single(Lines);
        Assert.Equal(UsherEvents.SessionLimitExceeded, line.Id.Id);
        Assert.Equal("10.0.0.7", line.GetStructuredStateValue("Identity"));
        Assert.Equal("pg", line.GetStructuredStateValue("Listener"));
        Assert.Equal("32", line.GetStructuredStateValue("Limit"));
        Assert.Equal("identity", line.GetStructuredStateValue("Scope"));
        Assert.Equal("10.0.0.7:40000", line.GetStructuredStateValue("Client"));
        Assert.Equal(1, _folder.OpenWindows);
    }

    [Fact]
    public void RefusalsWithinTheIntervalAreLoggedAsOneLineCarryingTheirCountWhenItEnds()
    {
        _folder.Refused(Refusal("10.0.0.7", port: 40000));
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 1; i <= 100; i++)
        {
            _folder.Refused(Refusal("10.0.0.7", port: 40000 + i));
        }

        Assert.Single(Lines);
        _time.Advance(Interval - TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1));
        _folder.Flush();
        Assert.Single(Lines);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _folder.Flush();

        Assert.Equal(2, Lines.Count);
        var folded = Lines[1];
        Assert.Equal(UsherEvents.SessionLimitExceeded, folded.Id.Id);
        Assert.Equal("100", folded.GetStructuredStateValue("Refused"));
        Assert.Equal("10", folded.GetStructuredStateValue("IntervalSeconds"));
        Assert.Equal("10.0.0.7", folded.GetStructuredStateValue("Identity"));
        Assert.Equal("10.0.0.7:40100", folded.GetStructuredStateValue("Client"));

        _folder.Flush();
        Assert.Equal(2, Lines.Count);
    }

    [Fact]
    public void IdentitiesAndListenersFoldApart()
    {
        _folder.Refused(Refusal("10.0.0.7"));
        _folder.Refused(Refusal("10.0.0.8"));
        _folder.Refused(Refusal("10.0.0.7", listener: "imap"));
        Assert.Equal(3, Lines.Count);

        for (var i = 0; i < 5; i++)
        {
            _folder.Refused(Refusal("10.0.0.7"));
        }

        for (var i = 0; i < 3; i++)
        {
            _folder.Refused(Refusal("10.0.0.8"));
        }

        _time.Advance(Interval);
        _folder.Flush();

        var folded = Lines.Skip(3)
            .Select(l => (l.GetStructuredStateValue("Listener"), l.GetStructuredStateValue("Identity"), l.GetStructuredStateValue("Refused")))
            .OrderBy(l => l.Item2, StringComparer.Ordinal)
            .ToList();
        Assert.Equal([("pg", "10.0.0.7", "5"), ("pg", "10.0.0.8", "3")], folded);
    }

    [Fact]
    public void AQuietIntervalForgetsTheIdentitySoItsNextRefusalIsLoggedAtOnce()
    {
        _folder.Refused(Refusal("10.0.0.7"));
        _time.Advance(Interval);
        _folder.Flush();

        Assert.Single(Lines);
        Assert.Equal(0, _folder.OpenWindows);

        _time.Advance(TimeSpan.FromSeconds(1));
        _folder.Refused(Refusal("10.0.0.7"));

        Assert.Equal(2, Lines.Count);
        Assert.Null(Lines[1].GetStructuredStateValue("Refused"));
    }

    [Fact]
    public void AfterAFoldedLineTheNextIntervalFoldsAgainAndAQuietOneEndsTheWindow()
    {
        _folder.Refused(Refusal("10.0.0.7"));
        _folder.Refused(Refusal("10.0.0.7"));
        _time.Advance(Interval);
        _folder.Flush();
        Assert.Equal(2, Lines.Count);

        _folder.Refused(Refusal("10.0.0.7"));
        _folder.Refused(Refusal("10.0.0.7"));
        Assert.Equal(2, Lines.Count);
        _time.Advance(Interval);
        _folder.Flush();
        Assert.Equal(3, Lines.Count);
        Assert.Equal("2", Lines[2].GetStructuredStateValue("Refused"));

        _time.Advance(Interval);
        _folder.Flush();
        Assert.Equal(3, Lines.Count);
        Assert.Equal(0, _folder.OpenWindows);
    }

    [Fact]
    public void RefusalsAreFoldedByTheIdentityAsCountedAndLoggedAsShown()
    {
        var client = new IPEndPoint(IPAddress.Loopback, 40000);
        Refusal Key(string key) => new("api", key, "HttpHeader:X-Api-Key", 1, 1, "identity", "Reject", client, Shown: "sk_l…");

        _folder.Refused(Key("sk_live_aaaaaaaaaaaaaaaa"));
        _folder.Refused(Key("sk_live_bbbbbbbbbbbbbbbb"));
        _folder.Refused(Key("sk_live_aaaaaaaaaaaaaaaa"));
        Assert.Equal(2, _folder.OpenWindows);
        _time.Advance(Interval);
        _folder.Flush();

        Assert.Equal(3, Lines.Count);
        Assert.All(Lines, l => Assert.Equal("sk_l…", l.GetStructuredStateValue("Identity")));
        Assert.DoesNotContain(Lines, l => l.Message.Contains("sk_live_", StringComparison.Ordinal));
        Assert.Equal("1", Lines[2].GetStructuredStateValue("Refused"));
    }

    private static Refusal Refusal(string identity, string listener = "pg", int port = 50000) =>
        new(listener, identity, "SourceIp", Count: 32, Limit: 32, Scope: "identity", Policy: "Reject",
            new IPEndPoint(IPAddress.Parse(identity), port));
}
