using System.Net;
using System.Text.Json;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher advise</c> on the peaks a real <c>usher run</c> recorded, across a restart.</summary>
public sealed class AdviseCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Config(SessionServer backend, string peaks) => $$"""
        { "Usher": { "ShutdownGrace": "00:00:01", "Peaks": { "File": "{{peaks}}", "SaveInterval": "00:00:01" },
          "Listeners": [ { "Name": "tcp", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}",
            "MaxSessionsPerIdentity": 2, "ClosingWait": "00:00:00", "Overrides": { "127.0.0.99": 7 } } ] } }
        """;

    /// <summary>Runs usher, holds <paramref name="sessions"/> per source address at once, then stops it (SIGTERM).</summary>
    private static async Task RunHoldingAsync(string config, params (string From, int Sessions, int Admitted)[] sessions)
    {
        await using var usher = UsherCli.Start("run", "--config", config);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var clients = new List<TestClient>();
        try
        {
            foreach (var (from, count, admitted) in sessions)
            {
                for (var i = 0; i < count; i++)
                {
                    var client = await TestClient.ConnectAsync(listen, from);
                    clients.Add(client);
                    Assert.Equal(i < admitted, await client.IsAdmittedAsync());
                }
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Advise_reads_the_peaks_of_two_runs_and_its_written_configuration_passes_check()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config("{}");
        var peaks = Path.Combine(Path.GetDirectoryName(config.Path)!, "peaks.json");
        File.WriteAllText(config.Path, Config(backend, peaks));

        await RunHoldingAsync(config.Path, ("127.0.0.2", 1, 1), ("127.0.0.3", 2, 2));
        Assert.True(File.Exists(peaks), "the peaks are written when usher stops");
        await RunHoldingAsync(config.Path, ("127.0.0.4", 3, 2));

        var written = Path.Combine(Path.GetDirectoryName(config.Path)!, "advised.json");
        var result = await UsherCli.RunAsync(Timeout, "advise", "--config", config.Path, "--coverage", "60", "--steady-hours", "1",
            "--json", "--write", written);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var tcp = Assert.Single(json.RootElement.GetProperty("listeners").EnumerateArray());
        Assert.Equal(3, tcp.GetProperty("identities").GetInt32());
        Assert.Equal(2, tcp.GetProperty("suggestedLimit").GetInt32());
        var heavy = Assert.Single(tcp.GetProperty("overrides").EnumerateArray());
        Assert.Equal("127.0.0.4", heavy.GetProperty("identity").GetString());
        Assert.Equal(3, heavy.GetProperty("peak").GetInt32());
        var refused = Assert.Single(tcp.GetProperty("refusedNow").EnumerateArray());
        Assert.Equal(("127.0.0.4", 1), (refused.GetProperty("identity").GetString(), refused.GetProperty("refused").GetInt32()));
        Assert.Equal("127.0.0.99", Assert.Single(tcp.GetProperty("keptOverrides").EnumerateArray()).GetProperty("identity").GetString());

        var check = await UsherCli.RunAsync(Timeout, "check", "--config", written);
        Assert.True(check.ExitCode == 0, check.ToString());
        using var effective = JsonDocument.Parse(check.Output);
        var listener = Assert.Single(effective.RootElement.GetProperty("Usher").GetProperty("Listeners").EnumerateArray());
        Assert.Equal(2, listener.GetProperty("MaxSessionsPerIdentity").GetInt32());
        Assert.Contains("127.0.0.4", listener.GetProperty("Overrides").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Advise_without_recorded_peaks_exits_1_saying_what_to_do()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config("{}");
        File.WriteAllText(config.Path, Config(backend, Path.Combine(Path.GetDirectoryName(config.Path)!, "none.json")));

        var result = await UsherCli.RunAsync(Timeout, "advise", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("no peaks recorded yet", result.Errors, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.Errors, StringComparison.Ordinal);
    }
}
