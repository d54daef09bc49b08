using Usher.Configuration;
using Usher.Control;
using Usher.Testing;

namespace Usher.Gateway.Tests.Reload;

/// <summary>What the reload tests share: new configurations made from the running one, and checks on sessions.</summary>
internal static class Reloading
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>The running configuration with other listeners or global keys.</summary>
    public static GatewaySettings With(this GatewaySettings s, IReadOnlyList<ListenerSettings>? listeners = null,
        int? maxSessions = null, int? workers = null, TimeSpan? shutdownGrace = null) => new()
        {
            Source = s.Source,
            Listeners = listeners ?? s.Listeners,
            MaxSessions = maxSessions ?? s.MaxSessions,
            Workers = workers ?? s.Workers,
            ShutdownGrace = shutdownGrace ?? s.ShutdownGrace,
            RefusalLogInterval = s.RefusalLogInterval,
            RestartOnly = s.RestartOnly,
        };

    /// <summary>The running configuration with its listeners changed by <paramref name="change"/>.</summary>
    public static GatewaySettings WithListeners(this GatewaySettings s, Func<ListenerSettings, ListenerSettings> change) =>
        s.With(s.Listeners.Select(change).ToList());

    /// <summary>Applies <paramref name="next"/> and fails the test unless it was applied.</summary>
    public static async Task<ReloadResult> ReloadAsync(this TestGateway gateway, GatewaySettings next)
    {
        var result = await gateway.Gateway.ReloadAsync(next);
        Assert.True(result.Applied, "the reload was rejected: " + string.Join("; ", result.Errors));
        return result;
    }

    /// <summary>Sessions of <paramref name="identity"/> the ledger counts on listener <paramref name="listener"/>.</summary>
    public static int Count(this TestGateway gateway, string identity, string listener = "test")
    {
        var scope = gateway.Gateway.Listeners.FirstOrDefault(l => l.Name == listener)?.Context.Scope;
        Assert.NotNull(scope);
        return gateway.Gateway.Ledger.Count(scope, identity);
    }

    /// <summary>Connects from <paramref name="from"/> and asserts the backend's greeting comes: admitted.</summary>
    public static async Task<TestClient> AdmittedAsync(System.Net.IPEndPoint to, string from = "127.0.0.1")
    {
        var client = await TestClient.ConnectAsync(to, from);
        Assert.True(await client.IsAdmittedAsync(), $"a session from {from} to {to} should be admitted");
        return client;
    }

    /// <summary>Connects from <paramref name="from"/> and asserts the gateway closes it without a greeting.</summary>
    public static async Task RefusedAsync(System.Net.IPEndPoint to, string from = "127.0.0.1")
    {
        using var client = await TestClient.ConnectAsync(to, from);
        Assert.Null(await client.ReadAsync(Wait));
    }

    /// <summary>Asserts a session still relays both ways: what it sends comes back from the echoing backend.</summary>
    public static async Task RelaysAsync(this TestClient client, string text = "still here\n")
    {
        await client.SendAsync(text);
        Assert.Equal(text, await client.ReadAsync(Wait));
    }
}
