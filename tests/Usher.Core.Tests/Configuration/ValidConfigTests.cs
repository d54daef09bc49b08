using System.Net;
using Usher.Configuration;
using Usher.Identity;

namespace Usher.Core.Tests.Configuration;

public sealed class ValidConfigTests
{
    private const string Full = """
        {
          "Usher": {
            "MaxSessions": 5000,
            "ShutdownGrace": "00:00:05",
            "RefusalLogInterval": "00:00:03",
            "Defaults": {
              "MaxSessionsPerIdentity": 10,
              "MaxSessions": 400,
              "Overrides": { "10.0.0.9": 100, "10.0.0.10": 0 },
              "Keepalive": { "Idle": "00:01:00", "Interval": "00:00:10", "Count": 4 },
              "IdleTimeout": "01:00:00",
              "ConnectTimeout": "00:00:02"
            },
            "Listeners": [
              { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "10.0.0.5:5432" },
              {
                "Name": "imap",
                "Listen": "0.0.0.0:1143",
                "Backend": "mail.internal:143",
                "MaxSessionsPerIdentity": 20,
                "Overrides": { "10.0.0.9": 50, "10.0.0.7": 5 },
                "Keepalive": { "Idle": "00:00:20" }
              },
              {
                "Listen": "[::1]:0",
                "Backend": "127.0.0.1:8080",
                "UserTimeout": "00:00:07",
                "HandshakeTimeout": "00:00:03"
              }
            ]
          }
        }
        """;

    [Fact]
    public void HalfCloseIsOnByDefaultAndCanBeTurnedOffPerListenerOrInDefaults()
    {
        var settings = ConfigText.Read("""
            { "Usher": {
                "Defaults": { "HalfClose": false },
                "Listeners": [
                  { "Name": "a", "Listen": "127.0.0.1:1", "Backend": "127.0.0.1:2" },
                  { "Name": "b", "Listen": "127.0.0.1:3", "Backend": "127.0.0.1:4", "HalfClose": true } ] } }
            """);
        Assert.False(settings.Listeners[0].HalfClose);
        Assert.True(settings.Listeners[1].HalfClose);
        Assert.True(ConfigText.Read("""
            { "Usher": { "Listeners": [ { "Name": "a", "Listen": "127.0.0.1:1", "Backend": "127.0.0.1:2" } ] } }
            """).Listeners[0].HalfClose);
    }

    [Fact]
    public void TheTopLevelSettingsAreRead()
    {
        var settings = ConfigText.Read(Full);

        Assert.Equal(ConfigText.Source, settings.Source);
        Assert.Equal(5000, settings.MaxSessions);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ShutdownGrace);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.RefusalLogInterval);
        Assert.Equal(["pg", "imap", "[::1]:0"], settings.Listeners.Select(l => l.Name));
    }

    [Fact]
    public void AListenerWithoutItsOwnKeysInheritsEveryDefault()
    {
        var pg = ConfigText.Read(Full).Listeners[0];

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 6432), pg.Listen);
        Assert.Equal("10.0.0.5", pg.BackendHost);
        Assert.Equal(5432, pg.BackendPort);
        Assert.Equal(IdentityKind.SourceIp, pg.Identity);
        Assert.Equal(10, pg.MaxSessionsPerIdentity);
        Assert.Equal(400, pg.MaxSessions);
        Assert.Equal(new KeepaliveSettings(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), 4), pg.Keepalive);
        Assert.Equal(TimeSpan.FromHours(1), pg.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), pg.ConnectTimeout);
        Assert.Equal(100, pg.LimitFor("10.0.0.9"));
        Assert.Equal(0, pg.LimitFor("10.0.0.10"));
        Assert.Equal(10, pg.LimitFor("10.0.0.11"));
    }

    [Fact]
    public void AListenerOverridingOnlyKeepaliveIdleKeepsTheDefaultsIntervalAndCount()
    {
        var imap = ConfigText.Read(Full).Listeners[1];

        Assert.Equal(new KeepaliveSettings(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), 4), imap.Keepalive);
    }

    [Fact]
    public void UserTimeoutDefaultsToTheKeepaliveBudget()
    {
        var settings = ConfigText.Read(Full);

        Assert.Equal(TimeSpan.FromSeconds(60 + (10 * 4)), settings.Listeners[0].UserTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20 + (10 * 4)), settings.Listeners[1].UserTimeout);
    }

    [Fact]
    public void AnExplicitUserTimeoutIsKept()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), ConfigText.Read(Full).Listeners[2].UserTimeout);
    }

    [Fact]
    public void ListenerKeysOverrideDefaultsAndOverridesAreMergedWithTheListenersWinning()
    {
        var imap = ConfigText.Read(Full).Listeners[1];

        Assert.Equal(20, imap.MaxSessionsPerIdentity);
        Assert.Equal("mail.internal", imap.BackendHost);
        Assert.Equal(143, imap.BackendPort);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 1143), imap.Listen);
        Assert.Equal(
            new Dictionary<string, int> { ["10.0.0.9"] = 50, ["10.0.0.7"] = 5, ["10.0.0.10"] = 0 },
            imap.Overrides.ToDictionary());
        Assert.Equal(5, imap.LimitFor("10.0.0.7"));
        Assert.Equal(20, imap.LimitFor("10.0.0.8"));
    }

    [Fact]
    public void AnIpv6ListenAddressIsReadAndAnUnnamedListenerIsNamedByIt()
    {
        var v6 = ConfigText.Read(Full).Listeners[2];

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 0), v6.Listen);
        Assert.Equal("[::1]:0", v6.Name);
        Assert.Equal(TimeSpan.FromSeconds(3), v6.HandshakeTimeout);
    }

    [Fact]
    public void AMinimalListenerGetsTheBuiltInDefaults()
    {
        var settings = ConfigText.Read("""
            { "Usher": { "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);
        var pg = settings.Listeners.Single();

        Assert.Null(settings.MaxSessions);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ShutdownGrace);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.RefusalLogInterval);
        Assert.Equal(32, pg.MaxSessionsPerIdentity);
        Assert.Null(pg.MaxSessions);
        Assert.Empty(pg.Overrides);
        Assert.Equal(OnLimitPolicy.Reject, pg.OnLimit);
        Assert.Equal(new KeepaliveSettings(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), 3), pg.Keepalive);
        Assert.Equal(TimeSpan.FromSeconds(390), pg.UserTimeout);
        Assert.Null(pg.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), pg.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), pg.ConnectTimeout);
    }
}
