using System.Net;
using Usher.Configuration;
using Usher.Testing;

namespace Usher.Gateway.Tests.Reclaim;

/// <summary>Listener settings for reclaim tests: a limit of 2 per identity and the operating system's default
/// keepalive (2 h 11 min), so only a reclaim can free a dead session in time.</summary>
internal static class ReclaimListener
{
    public static ListenerSettings For(IPEndPoint backend, OnLimitPolicy policy, int limit = 2) => new()
    {
        Name = "reclaim",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = backend.Address.ToString(),
        BackendPort = backend.Port,
        MaxSessionsPerIdentity = limit,
        OnLimit = policy,
        ReclaimWait = TimeSpan.FromSeconds(4),
        ProbeMinIdle = TimeSpan.FromMilliseconds(200),
        ProbeInterval = TimeSpan.FromSeconds(1),
        ProbeCount = 2,
        Keepalive = new KeepaliveSettings(TimeSpan.FromSeconds(7200), TimeSpan.FromSeconds(75), 9),
        UserTimeout = TimeSpan.Zero,
    };

    public static async Task<TestClient> AdmittedAsync(TestGateway gateway, string from)
    {
        var client = await TestClient.ConnectAsync(gateway.EndPoint, from);
        Assert.True(await client.IsAdmittedAsync(), "the session should be admitted");
        return client;
    }
}
