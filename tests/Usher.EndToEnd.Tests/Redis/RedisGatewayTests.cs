using StackExchange.Redis;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary><c>usher run</c> with a Redis ledger: two real gateway processes share one identity's limit.</summary>
public sealed class RedisGatewayTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_gateway_processes_hold_one_identity_to_one_limit_between_them()
    {
        await using var backend = new SessionServer();
        var prefix = "gw" + Guid.NewGuid().ToString("N")[..8];
        using var configA = UsherCli.Config(Config(backend, "gw-a", prefix));
        using var configB = UsherCli.Config(Config(backend, "gw-b", prefix));
        await using var a = UsherCli.Start("run", "--config", configA.Path, "--log-format", "json");
        await using var b = UsherCli.Start("run", "--config", configB.Path, "--log-format", "json");
        var onA = await UsherCli.WaitForListenerAsync(a);
        var onB = await UsherCli.WaitForListenerAsync(b);

        using var first = await TestClient.ConnectAsync(onA, "127.0.0.1");
        Assert.True(await first.IsAdmittedAsync());
        using var second = await TestClient.ConnectAsync(onB, "127.0.0.1");
        Assert.True(await second.IsAdmittedAsync());
        using var third = await TestClient.ConnectAsync(onB, "127.0.0.1");
        Assert.Null(await third.ReadAsync(EndToEnd.Soon));
        using var fourth = await TestClient.ConnectAsync(onA, "127.0.0.1");
        Assert.Null(await fourth.ReadAsync(EndToEnd.Soon));

        Assert.Equal(2, backend.Accepted);
        await b.WaitForLineAsync(l => l.Contains("\"EventId\":9646", StringComparison.Ordinal), EndToEnd.Soon);
        await a.WaitForLineAsync(l => l.Contains("\"EventId\":9646", StringComparison.Ordinal), EndToEnd.Soon);

        // A session that ends on A frees its place for B.
        first.Dispose();
        TestClient? retry = null;
        await Eventually.HoldsAsync(() =>
        {
            retry?.Dispose();
            retry = TestClient.ConnectAsync(onB, "127.0.0.1").GetAwaiter().GetResult();
            return retry.IsAdmittedAsync().GetAwaiter().GetResult();
        }, Patience, "a place freed on A taken through B");
        await using var observer = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var leases = $"{prefix}:{{cli:127.0.0.1}}:leases";
        Assert.Equal(2, await observer.GetDatabase().SortedSetLengthAsync(leases));

        await a.SignalAsync("TERM");
        await b.SignalAsync("TERM");
        Assert.Equal(0, await a.WaitForExitAsync(Patience));
        Assert.Equal(0, await b.WaitForExitAsync(Patience));
        retry?.Dispose();
        // Drained on the way out: each node released its sessions' places.
        Assert.Equal(0, await observer.GetDatabase().SortedSetLengthAsync(leases));
        Assert.Empty(UsherCli.Entries(a, UsherEvents.LedgerUnavailable));
        Assert.Empty(UsherCli.Entries(b, UsherEvents.LedgerUnavailable));
    }

    private string Config(SessionServer backend, string node, string prefix) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            "Ledger": { "Kind": "Redis", "Configuration": "{{redis.Configuration}}", "Node": "{{node}}", "KeyPrefix": "{{prefix}}" },
            "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 2 } ] } }
        """;
}
