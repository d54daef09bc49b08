using System.Collections.Frozen;
using System.Net;
using Usher.Configuration;
using Usher.Identity;
using Usher.Peaks;

namespace Usher.Core.Tests.Peaks;

public sealed class PeakAdvisorTests
{
    private const long Hour = 491_000;

    private static ListenerSettings Listener(int limit, IdentityDisplay display = IdentityDisplay.Clear, Dictionary<string, int>? overrides = null) => new()
    {
        Name = "pg",
        Listen = new IPEndPoint(IPAddress.Loopback, 6432),
        BackendHost = "127.0.0.1",
        BackendPort = 5432,
        Identity = IdentityKind.PostgresUser,
        IdentityDisplay = display,
        MaxSessionsPerIdentity = limit,
        Overrides = (overrides ?? []).ToFrozenDictionary(StringComparer.Ordinal),
    };

    /// <summary>100 users: 97 peak at 2, two at 3, one at 9; the heavy one every hour, the 3s in one hour each.</summary>
    private static PeakHistory Recorded()
    {
        var history = new PeakHistory();
        for (var h = 0; h < 5; h++)
        {
            for (var i = 0; i < 97; i++)
            {
                history.Add(Hour + h, "pg", $"user{i}", new PeakEntry(h == 0 ? 2 : 1, 0));
            }

            history.Add(Hour + h, "pg", "svc-report", new PeakEntry(9, h < 2 ? 3 : 0));
        }

        history.Add(Hour + 2, "pg", "carol", new PeakEntry(3, 1));
        history.Add(Hour + 3, "pg", "dave", new PeakEntry(3, 0));
        history.Add(Hour, "other", "zed", new PeakEntry(40, 0));
        return history;
    }

    [Fact]
    public void The_limit_covers_the_share_asked_and_a_steady_heavy_user_gets_an_override()
    {
        var advice = PeakAdvisor.Advise(Recorded(), Listener(2), coverage: 97, steadyHours: 3);

        Assert.Equal(100, advice.Identities);
        Assert.Equal(5, advice.Hours);
        Assert.Equal(2, advice.SuggestedLimit);
        var svc = Assert.Single(advice.Overrides);
        Assert.Equal(("svc-report", 9, 5), (svc.Identity, svc.Peak, svc.HoursAbove));
        Assert.Equal(["carol", "dave"], advice.WouldBeRefused.Select(p => p.Identity).Order());
        Assert.Equal(["carol", "svc-report"], advice.RefusedNow.Select(p => p.Identity).Order());
        Assert.Equal(98, advice.Covered, precision: 3);
    }

    [Fact]
    public void Full_coverage_raises_the_limit_to_the_highest_one_off_peak()
    {
        var advice = PeakAdvisor.Advise(Recorded(), Listener(2), coverage: 100, steadyHours: 3);

        Assert.Equal(9, advice.SuggestedLimit);
        Assert.Empty(advice.Overrides);
        Assert.Empty(advice.WouldBeRefused);
    }

    [Fact]
    public void Overridden_identities_are_left_out_of_the_limit_and_their_override_follows_their_peak()
    {
        var listener = Listener(2, overrides: new() { ["svc-report"] = 20, ["dave"] = 5, ["ghost"] = 7 });

        var advice = PeakAdvisor.Advise(Recorded(), listener, coverage: 99, steadyHours: 3);

        Assert.Equal(3, advice.SuggestedLimit);
        Assert.Equal(("svc-report", 9), advice.Overrides.Select(p => (p.Identity, p.Peak)).Single());
        Assert.Equal(["dave"], advice.UnneededOverrides);
        Assert.Equal(("ghost", 7), advice.KeptOverrides.Select(p => (p.Identity, p.Limit)).Single());
        Assert.Empty(advice.WouldBeRefused);
    }

    [Fact]
    public void Identities_shown_hashed_are_never_suggested_as_overrides()
    {
        var history = new PeakHistory();
        for (var h = 0; h < 4; h++)
        {
            history.Add(Hour + h, "pg", "hmac:0123456789abcdef", new PeakEntry(8, 0));
            history.Add(Hour + h, "pg", "hmac:fedcba9876543210", new PeakEntry(1, 0));
        }

        var advice = PeakAdvisor.Advise(history, Listener(2, IdentityDisplay.Hash), coverage: 50, steadyHours: 3);

        Assert.Equal(1, advice.SuggestedLimit);
        Assert.Empty(advice.Overrides);
        Assert.True(advice.MaskedIdentities);
        Assert.Equal("hmac:0123456789abcdef", Assert.Single(advice.WouldBeRefused).Identity);
    }

    [Fact]
    public void A_listener_without_records_keeps_its_limit()
    {
        var advice = PeakAdvisor.Advise(new PeakHistory(), Listener(6), coverage: 99.9, steadyHours: 3);

        Assert.Equal(0, advice.Identities);
        Assert.Equal(6, advice.SuggestedLimit);
    }
}
