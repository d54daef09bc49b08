using System.Net;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary><c>usher doctor --config</c> and <c>usher check</c> with a Redis ledger.</summary>
public sealed class RedisDoctorTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Doctor_reaches_the_Redis_server_and_reports_its_round_trip()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, redis.Configuration));

        var result = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"ok    ledger: Redis {redis.Configuration}: answers PING in ", result.Output, StringComparison.Ordinal);
        Assert.Contains("node \"gw-a\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("watch Usher:Ledger: the limits", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_says_when_Redis_cannot_be_reached_with_the_address_the_error_and_the_fix()
    {
        await using var backend = new SessionServer();
        var nobody = $"127.0.0.1:{LocalPorts.Free(IPAddress.Loopback)}";
        using var config = UsherCli.Config(Config(backend, nobody));

        var result = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"FIX   ledger: Redis {nobody}: cannot be reached: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("→ start Redis at that address (or correct Ledger:Configuration)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_accepts_a_Redis_ledger_warns_that_limits_are_each_nodes_own_and_names_a_bad_connection_string()
    {
        await using var backend = new SessionServer();
        using var good = UsherCli.Config(Config(backend, redis.Configuration));
        using var bad = UsherCli.Config(Config(backend, "127.0.0.1:6379,connectTimeout=soon"));

        var accepted = await UsherCli.RunAsync(Timeout, "check", "--config", good.Path);
        var refused = await UsherCli.RunAsync(Timeout, "check", "--config", bad.Path);

        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.Contains("\"Kind\": \"Redis\"", accepted.Output, StringComparison.Ordinal);
        Assert.Contains("usher: warning: ", accepted.Errors, StringComparison.Ordinal);
        Assert.Contains("each node's own configuration", accepted.Errors, StringComparison.Ordinal);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("Usher:Ledger:Configuration", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("is not a StackExchange.Redis connection string", refused.Errors, StringComparison.Ordinal);
    }

    private static string Config(SessionServer backend, string redis) => $$"""
        { "Usher": {
            "Ledger": { "Kind": "Redis", "Configuration": "{{redis}}", "Node": "gw-a" },
            "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}" } ] } }
        """;
}
