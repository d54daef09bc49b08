using System.Text.Json;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher check --config FILE</c> as an operator runs it before a deploy.</summary>
public sealed class CheckCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Check_of_a_valid_file_exits_0_and_prints_the_effective_settings_with_every_default_filled_in()
    {
        using var config = UsherCli.Config("""
            { "Usher": { "Listeners": [
                { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "MaxSessionsPerIdentity": 2 } ] } }
            """);

        var result = await UsherCli.RunAsync(Timeout, "check", "--config", config.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var usher = json.RootElement.GetProperty("Usher");
        Assert.Equal("00:00:30", usher.GetProperty("ShutdownGrace").GetString());
        Assert.Equal("00:00:10", usher.GetProperty("RefusalLogInterval").GetString());
        var pg = Assert.Single(usher.GetProperty("Listeners").EnumerateArray());
        Assert.Equal("pg", pg.GetProperty("Name").GetString());
        Assert.Equal("127.0.0.1:6432", pg.GetProperty("Listen").GetString());
        Assert.Equal("127.0.0.1:5432", pg.GetProperty("Backend").GetString());
        Assert.Equal("SourceIp", pg.GetProperty("Identity").GetString());
        Assert.Equal(2, pg.GetProperty("MaxSessionsPerIdentity").GetInt32());
        Assert.Equal("00:05:00", pg.GetProperty("Keepalive").GetProperty("Idle").GetString());
        Assert.Equal("00:00:30", pg.GetProperty("Keepalive").GetProperty("Interval").GetString());
        Assert.Equal(3, pg.GetProperty("Keepalive").GetProperty("Count").GetInt32());
        Assert.Equal("00:06:30", pg.GetProperty("UserTimeout").GetString());
        Assert.Equal("00:00:05", pg.GetProperty("ConnectTimeout").GetString());
        Assert.Contains("configuration is valid", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_shows_a_listener_inheriting_keepalive_from_Defaults_with_the_user_timeout_derived_from_it()
    {
        using var config = UsherCli.Config("""
            { "Usher": {
                "ShutdownGrace": "00:00:05",
                "Defaults": { "Keepalive": { "Idle": "00:00:02", "Interval": "00:00:01", "Count": 2 } },
                "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432",
                                 "MaxSessionsPerIdentity": 2, "Overrides": { "10.0.0.9": 5 } } ] } }
            """);

        var result = await UsherCli.RunAsync(Timeout, "check", "--config", config.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var usher = json.RootElement.GetProperty("Usher");
        Assert.Equal("00:00:05", usher.GetProperty("ShutdownGrace").GetString());
        var pg = usher.GetProperty("Listeners")[0];
        Assert.Equal("00:00:02", pg.GetProperty("Keepalive").GetProperty("Idle").GetString());
        Assert.Equal("00:00:04", pg.GetProperty("UserTimeout").GetString());
        Assert.Equal(5, pg.GetProperty("Overrides").GetProperty("10.0.0.9").GetInt32());
    }

    public static TheoryData<string, string?, string, string[]> MalformedFiles => new()
    {
        {
            "a bad duration",
            """{ "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "IdleTimeout": "ten minutes" } ] } }""",
            "Usher:Listeners:0:IdleTimeout",
            ["\"ten minutes\" is not a duration"]
        },
        {
            "an unknown key",
            """{ "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432", "MaxSesionsPerIdentity": 2 } ] } }""",
            "Usher:Listeners:0:MaxSesionsPerIdentity",
            ["unknown key", "did you mean \"MaxSessionsPerIdentity\""]
        },
        {
            "a keepalive idle that is not whole seconds",
            """{ "Usher": { "Defaults": { "Keepalive": { "Idle": "00:00:01.5" } }, "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }""",
            "Usher:Defaults:Keepalive:Idle",
            ["must be a whole number of seconds"]
        },
        {
            "broken JSON",
            """{ "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432" """,
            "(file)",
            ["the file is not valid JSON", "LineNumber: 0 | BytePositionInLine: "]
        },
        {
            "a missing file",
            null,
            "(file)",
            ["the file does not exist"]
        },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task Check_of_a_malformed_file_exits_1_naming_the_file_the_key_and_the_fix(string what, string? json, string key, string[] problems)
    {
        using var config = UsherCli.Config(json ?? "{}");
        var path = json is null ? config.Missing : config.Path;

        var result = await UsherCli.RunAsync(Timeout, "check", "--config", path);

        Assert.True(result.ExitCode == 1, $"{what}: {result}");
        Assert.Contains($"{path}: {key}: ", result.Errors, StringComparison.Ordinal);
        foreach (var fragment in problems)
        {
            Assert.Contains(fragment, result.Errors, StringComparison.Ordinal);
        }

        Assert.Contains("Fix:", result.Errors, StringComparison.Ordinal);
        Assert.True(string.IsNullOrWhiteSpace(result.Output), $"{what}: nothing on stdout for a bad file: {result}");
    }
}
