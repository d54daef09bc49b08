using Usher.Diagnostics;
using Usher.Testing;
using static Usher.Gateway.Tests.Reload.Reloading;

namespace Usher.Gateway.Tests.Reload;

/// <summary>Changed limits take effect for new sessions at once; the sessions already open are never touched.</summary>
public sealed class LimitReloadTests
{
    [Fact]
    public async Task RaisingTheLimitAdmitsARefusedIdentityWithoutReconnectingTheOthers()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 2));
        using var first = await AdmittedAsync(gateway.EndPoint);
        using var second = await AdmittedAsync(gateway.EndPoint);
        await RefusedAsync(gateway.EndPoint);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(maxSessionsPerIdentity: 3)));

        Assert.Equal(["test: MaxSessionsPerIdentity 2 → 3"], result.Summary);
        var reloaded = await gateway.Logs.WaitForAsync(UsherEvents.ConfigReloaded, Wait);
        Assert.Equal("test: MaxSessionsPerIdentity 2 → 3", reloaded["Changes"]);
        using var third = await AdmittedAsync(gateway.EndPoint);

        // The first two were never reconnected: the backend saw three connections in all, all open, all relaying.
        Assert.Equal(3, backend.Accepted);
        Assert.Equal(3, backend.Open);
        await first.RelaysAsync();
        await second.RelaysAsync();
        await third.RelaysAsync();
        Assert.Equal(3, gateway.Count("127.0.0.1"));
        await RefusedAsync(gateway.EndPoint);
    }

    [Fact]
    public async Task LoweringTheLimitEvictsNobodyAndRefusesNewcomersUntilTheCountIsUnderIt()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 5));
        var open = new List<TestClient>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await AdmittedAsync(gateway.EndPoint));
        }

        try
        {
            await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(maxSessionsPerIdentity: 2)));

            // Over the new limit, the three stay and relay.
            foreach (var client in open)
            {
                await client.RelaysAsync();
            }

            Assert.Equal(3, backend.Open);
            Assert.Equal(3, gateway.Count("127.0.0.1"));
            await RefusedAsync(gateway.EndPoint);
            var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait);
            Assert.Equal(2, refusal["Limit"]);
            Assert.Equal(3, refusal["Count"]);

            // One ends: 2 open, still at the new limit.
            open[0].Dispose();
            await Eventually.HoldsAsync(() => gateway.Count("127.0.0.1") == 2, Wait, "the first session's slot is released");
            await RefusedAsync(gateway.EndPoint);

            // A second ends: 1 open, under the limit at last.
            open[1].Dispose();
            await Eventually.HoldsAsync(() => gateway.Count("127.0.0.1") == 1, Wait, "the second session's slot is released");
            open.Add(await AdmittedAsync(gateway.EndPoint));
            await open[2].RelaysAsync();
            Assert.Equal(2, gateway.Count("127.0.0.1"));
            Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task AnOverrideAddedByAReloadAppliesToItsIdentityAlone()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(maxSessionsPerIdentity: 1));
        using var one = await AdmittedAsync(gateway.EndPoint, "127.0.0.1");
        using var other = await AdmittedAsync(gateway.EndPoint, "127.0.0.2");

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(
            l => l.With(overrides: new Dictionary<string, int> { ["127.0.0.1"] = 2 })));

        Assert.Equal(["test: Overrides:127.0.0.1 (none) → 2"], result.Summary);
        using var two = await AdmittedAsync(gateway.EndPoint, "127.0.0.1");
        await RefusedAsync(gateway.EndPoint, "127.0.0.2");
    }

    [Fact]
    public async Task LoweringTheListenersAndTheGlobalMaxSessionsRefusesNewcomersAndKeepsTheOpenSessions()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var a = await AdmittedAsync(gateway.EndPoint, "127.0.0.1");
        using var b = await AdmittedAsync(gateway.EndPoint, "127.0.0.2");
        using var c = await AdmittedAsync(gateway.EndPoint, "127.0.0.3");

        await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(maxSessions: 2)));
        await RefusedAsync(gateway.EndPoint, "127.0.0.4");
        var byListener = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait, r => (string?)r["Scope"] == "listener");
        Assert.Equal(2, byListener["Limit"]);
        Assert.Equal(3, byListener["Count"]);

        var result = await gateway.ReloadAsync(gateway.Gateway.Settings.WithListeners(l => l.With(maxSessions: 100)).With(maxSessions: 3));
        Assert.Contains("test: MaxSessions 2 → 100", result.Summary);
        Assert.Contains(result.Summary, line => line.StartsWith("MaxSessions ", StringComparison.Ordinal) && line.EndsWith("→ 3", StringComparison.Ordinal));
        await RefusedAsync(gateway.EndPoint, "127.0.0.5");
        var global = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, Wait, r => (string?)r["Scope"] == "global");
        Assert.Equal(3, global["Limit"]);

        await a.RelaysAsync();
        await b.RelaysAsync();
        await c.RelaysAsync();
        Assert.Equal(3, gateway.Gateway.Ledger.Total);
    }
}
