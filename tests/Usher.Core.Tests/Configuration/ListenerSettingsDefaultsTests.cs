using System.Collections.Frozen;
using System.Net;
using Usher.Configuration;

namespace Usher.Core.Tests.Configuration;

/// <summary>Settings built in code (not read from a file) get the same defaults the configuration documents.</summary>
public sealed class ListenerSettingsDefaultsTests
{
    private static ListenerSettings Minimal(KeepaliveSettings? keepalive = null) => new()
    {
        Name = "pg",
        Listen = new IPEndPoint(IPAddress.Loopback, 6432),
        BackendHost = "127.0.0.1",
        BackendPort = 5432,
        Keepalive = keepalive ?? KeepaliveSettings.Default,
    };

    [Fact]
    public void UserTimeoutDefaultsToTheKeepaliveBudget()
    {
        Assert.Equal(TimeSpan.FromSeconds(390), Minimal().UserTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4),
            Minimal(new KeepaliveSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 2)).UserTimeout);
    }

    [Fact]
    public void AnExplicitUserTimeoutIsKeptEvenWhenZero()
    {
        var zero = new ListenerSettings
        {
            Name = "pg", Listen = new IPEndPoint(IPAddress.Loopback, 6432), BackendHost = "127.0.0.1", BackendPort = 5432,
            UserTimeout = TimeSpan.Zero,
        };

        Assert.Equal(TimeSpan.Zero, zero.UserTimeout);
    }

    [Fact]
    public void AnIdentityGetsItsOverrideElseTheListenersLimit()
    {
        var settings = new ListenerSettings
        {
            Name = "pg", Listen = new IPEndPoint(IPAddress.Loopback, 6432), BackendHost = "127.0.0.1", BackendPort = 5432,
            MaxSessionsPerIdentity = 7,
            Overrides = new Dictionary<string, int> { ["svc-backup"] = 200, ["blocked"] = 0 }.ToFrozenDictionary(),
        };

        Assert.Equal(200, settings.LimitFor("svc-backup"));
        Assert.Equal(0, settings.LimitFor("blocked"));
        Assert.Equal(7, settings.LimitFor("10.0.0.7"));
        Assert.Equal(32, Minimal().LimitFor("10.0.0.7"));
        Assert.Equal("127.0.0.1:5432", settings.Backend);
    }
}
