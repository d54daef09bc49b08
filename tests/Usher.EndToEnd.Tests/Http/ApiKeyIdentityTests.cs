using System.Security.Cryptography;
using System.Text.Json;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Cli;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Http;

/// <summary>An API key as the identity (<c>HttpHeader:X-Api-Key</c>, the documentation's own example), sent by curl
/// through <c>usher run</c>: it is counted as sent (its override applies) but shown only as its keyed hash, in the log,
/// the admin API, <c>/metrics</c>, <c>usher sessions</c> and <c>usher top</c>; the hash is the one the documented
/// openssl command gives, and killing by it works while killing by the key itself finds nothing.</summary>
public sealed class ApiKeyIdentityTests(HeldHttpServer http) : IClassFixture<HeldHttpServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_API_key_appears_nowhere_in_clear_its_hash_is_stable_and_killing_by_the_hash_works()
    {
        var keyA = "sk_live_" + RandomNumberGenerator.GetHexString(24, lowercase: true);
        var keyB = "sk_live_" + RandomNumberGenerator.GetHexString(24, lowercase: true);
        var bearer = "bearer-" + RandomNumberGenerator.GetHexString(24, lowercase: true);
        using var config = UsherCli.Config(Config(keyB));
        var keyFile = Path.Combine(Path.GetDirectoryName(config.Path)!, "identity.key");
        await File.WriteAllTextAsync(keyFile, RandomNumberGenerator.GetHexString(64, lowercase: true) + "\n");
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json", "--log-level", "Debug");
        var admin = await UsherCli.WaitForAdminAsync(usher);
        var api = await ListenerAsync(usher, "api");
        var users = await ListenerAsync(usher, "users");
        var hashA = await OpensslHmacAsync(keyA, keyFile);
        var hashB = await OpensslHmacAsync(keyB, keyFile);

        // Two held requests of key A, one of key B (its override allows one), and alice on a listener that shows names.
        var holds = new[] { Hold(), Hold(), Hold(), Hold() };
        await using var a1 = Curl(api, $"/hold/{holds[0]}", "-H", $"X-Api-Key: {keyA}", "-H", $"Authorization: Bearer {bearer}");
        await using var a2 = Curl(api, $"/hold/{holds[1]}", "-H", $"X-Api-Key: {keyA}");
        await using var b1 = Curl(api, $"/hold/{holds[2]}", "-H", $"X-Api-Key: {keyB}");
        await using var alice = Curl(users, $"/hold/{holds[3]}", "-H", "X-User: alice");
        await Eventually.HoldsAsync(() => UsherCli.Entries(usher, UsherEvents.SessionOpened).Count() == 4, EndToEnd.Soon, "four sessions open");

        // Key B's override (1) is matched on the key as sent: a second request is refused.
        var refused = await CurlAsync(api, "/", "-H", $"X-Api-Key: {keyB}");
        Assert.StartsWith("HTTP/1.1 429 Too Many Requests", refused.Output, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => UsherCli.Entries(usher, UsherEvents.SessionLimitExceeded).Any(), EndToEnd.Soon, "9646 logged");

        using var client = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        var sessions = await client.GetStringAsync("/api/sessions");
        var identities = await client.GetStringAsync("/api/identities");
        var status = await client.GetStringAsync("/api/status");
        var metrics = await client.GetStringAsync("/metrics");
        var table = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin);
        var top = await UsherCli.RunAsync(Timeout, "top", "--once", "--admin", admin);
        Assert.True(table.ExitCode == 0 && top.ExitCode == 0, $"{table}\n{top}");

        // The hash is stable (both sessions of key A show the same one) and the clear listener shows its names.
        using (var listed = JsonDocument.Parse(sessions))
        {
            var shown = listed.RootElement.EnumerateArray()
                .Select(s => (Listener: s.GetProperty("listener").GetString(), Identity: s.GetProperty("identity").GetProperty("value").GetString()))
                .ToList();
            Assert.Equal(2, shown.Count(s => s == ("api", hashA)));
            Assert.Equal(1, shown.Count(s => s == ("api", hashB)));
            Assert.Contains(("users", "alice"), shown);
        }

        using (var counted = JsonDocument.Parse(identities))
        {
            var b = counted.RootElement.EnumerateArray().Single(c => c.GetProperty("identity").GetString() == hashB);
            Assert.Equal(1, b.GetProperty("limit").GetInt32());
            Assert.True(b.GetProperty("override").GetBoolean());
            var a = counted.RootElement.EnumerateArray().Single(c => c.GetProperty("identity").GetString() == hashA);
            Assert.Equal(2, a.GetProperty("open").GetInt32());
        }

        Assert.Contains("\"identityDisplay\": \"Hash\"", status, StringComparison.Ordinal);
        Assert.Contains(table.Output.Split('\n'), l => l.Contains(hashA, StringComparison.Ordinal));
        Assert.Contains(table.Output.Split('\n'), l => l.Contains("alice", StringComparison.Ordinal));
        Assert.Contains(hashA, top.Output, StringComparison.Ordinal);
        var refusal = Assert.Single(UsherCli.Entries(usher, UsherEvents.SessionLimitExceeded));
        Assert.Equal(hashB, refusal.GetProperty("State").GetProperty("Identity").GetString());

        // Killing by the key itself finds nothing (the API confirms no guess); killing by the hash shown kills both.
        var byKey = await UsherCli.RunAsync(Timeout, "kill", "--listener", "api", "--identity", keyA, "--admin", admin);
        Assert.Contains("no open session", byKey.Output + byKey.Errors, StringComparison.Ordinal);
        var byHash = await UsherCli.RunAsync(Timeout, "kill", "--listener", "api", "--identity", hashA, "--admin", admin, "--json");
        Assert.True(byHash.ExitCode == 0, byHash.ToString());
        using (var killed = JsonDocument.Parse(byHash.Output))
        {
            Assert.Equal(2, killed.RootElement.GetProperty("killed").GetInt32());
        }

        await a1.WaitForExitAsync(EndToEnd.Soon);
        await a2.WaitForExitAsync(EndToEnd.Soon);
        await Eventually.HoldsAsync(() => UsherCli.Entries(usher, UsherEvents.SessionClosed).Count() == 2, EndToEnd.Soon, "the killed sessions closed");
        Assert.All(UsherCli.Entries(usher, UsherEvents.SessionKilled), e => Assert.Equal(hashA, e.GetProperty("State").GetProperty("Identity").GetString()));

        foreach (var hold in holds)
        {
            http.Release(hold);
        }

        await b1.WaitForExitAsync(EndToEnd.Soon);
        await alice.WaitForExitAsync(EndToEnd.Soon);
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var log = string.Join('\n', usher.Output.Concat(usher.Errors));
        Assert.Contains(hashA, log, StringComparison.Ordinal);
        Assert.Contains("\"alice\"", log, StringComparison.Ordinal);
        foreach (var (name, text) in new[]
                 {
                     ("the log", log), ("/api/sessions", sessions), ("/api/identities", identities), ("/api/status", status),
                     ("/metrics", metrics), ("usher sessions", table.Output), ("usher top", top.Output),
                 })
        {
            foreach (var secret in new[] { keyA, keyB, bearer })
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{name} holds a secret in clear:\n{text}");
            }
        }
    }

    /// <summary>The documented command: <c>printf '%s' KEY | openssl dgst -sha256 -hmac "$(cat FILE)"</c>, its first 16
    /// hex digits after <c>hmac:</c>.</summary>
    private static async Task<string> OpensslHmacAsync(string key, string keyFile)
    {
        var result = await RunningProcess.RunAsync("/bin/sh",
            ["-c", "printf '%s' \"$1\" | openssl dgst -sha256 -hmac \"$(cat \"$2\")\"", "sh", key, keyFile], Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        return "hmac:" + result.Output.Trim().Split(' ')[^1][..16];
    }

    private static async Task<string> ListenerAsync(RunningProcess usher, string name)
    {
        await usher.WaitForLineAsync(l => l.Contains("accepting on", StringComparison.Ordinal) && State(l, "Listener") == name, EndToEnd.Soon);
        return UsherCli.Entries(usher, UsherEvents.ListenerStarted)
            .Single(e => e.GetProperty("State").GetProperty("Listener").GetString() == name)
            .GetProperty("State").GetProperty("Endpoint").GetString()!;
    }

    private static string? State(string line, string name)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.TryGetProperty("State", out var state) && state.TryGetProperty(name, out var value) ? value.GetString() : null;
    }

    private static string Hold() => Guid.NewGuid().ToString("N");

    private string Config(string keyB) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            "IdentityHashKeyFile": "identity.key",
            "Admin": { "Listen": "127.0.0.1:0" },
            "Listeners": [
              { "Name": "api", "Listen": "127.0.0.1:0", "Backend": "{{http.EndPoint}}", "Identity": "HttpHeader:X-Api-Key",
                "MaxSessionsPerIdentity": 2, "Overrides": { "{{keyB}}": 1 } },
              { "Name": "users", "Listen": "127.0.0.1:0", "Backend": "{{http.EndPoint}}", "Identity": "HttpHeader:X-User" } ] } }
        """;

    private static RunningProcess Curl(string endpoint, string path, params string[] options) =>
        RunningProcess.Start(Tools.Find("curl"), ["-sS", "-i", "--max-time", "30", .. options, $"http://{endpoint}{path}"]);

    private static Task<ProcessResult> CurlAsync(string endpoint, string path, params string[] options) =>
        RunningProcess.RunAsync(Tools.Find("curl"), ["-sS", "-i", "--max-time", "30", .. options, $"http://{endpoint}{path}"], Timeout);
}
