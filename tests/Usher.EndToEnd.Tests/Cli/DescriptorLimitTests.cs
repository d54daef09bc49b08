using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher run</c> under a small open-files limit (prlimit) and the default global MaxSessions: a flood of
/// connections is refused at the global limit (9646, Scope "global") before any descriptor runs out, so no accept
/// fails (no 9644) and no client is left hanging in the accept queue.</summary>
public sealed class DescriptorLimitTests
{
    private const int Files = 256;
    private const int Flood = 160;

    [Fact]
    public async Task A_flood_under_a_256_descriptor_limit_is_refused_at_the_default_global_limit_and_never_hits_EMFILE()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config($$"""
            { "Usher": { "ShutdownGrace": "00:00:01", "Listeners": [
              { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 10000 } ] } }
            """);
        await using var usher = RunningProcess.Start(Tools.Find("prlimit"),
            [$"--nofile={Files}:{Files}", UsherCli.Host, UsherCli.Dll, "run", "--config", config.Path, "--log-format", "json"]);
        var listen = await UsherCli.WaitForListenerAsync(usher);

        var clients = new List<TestClient>();
        try
        {
            var admitted = 0;
            var refused = 0;
            for (var i = 0; i < Flood; i++)
            {
                var client = await TestClient.ConnectAsync(listen);
                clients.Add(client);

                // Admitted: the backend's greeting. Refused: the connection closes. Neither: a hang, and the read fails.
                if (await client.IsAdmittedAsync())
                {
                    admitted++;
                }
                else
                {
                    refused++;
                }
            }

            await usher.WaitForLineAsync(l => l.Contains("\"EventId\":9646", StringComparison.Ordinal), EndToEnd.Soon);
            var refusal = UsherCli.Entries(usher, UsherEvents.SessionLimitExceeded).First();
            Assert.Equal("global", refusal.GetProperty("State").GetProperty("Scope").GetString());
            Assert.Equal(admitted, refusal.GetProperty("State").GetProperty("Limit").GetInt32());
            Assert.True(admitted >= 16 && refused > 0, $"{admitted} admitted, {refused} refused");
            Assert.Empty(UsherCli.Entries(usher, UsherEvents.AcceptFailed).Select(e => e.GetRawText()));
            Assert.Equal(admitted, backend.Accepted);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Check_and_run_refuse_a_configuration_the_open_files_limit_cannot_serve_and_name_the_limit_to_raise_it_to()
    {
        using var config = UsherCli.Config("""
            { "Usher": { "Admin": { "Listen": "127.0.0.1:0" }, "Listeners": [
              { "Name": "pg", "Listen": "127.0.0.1:0", "Backend": "127.0.0.1:5432", "Identity": "PostgresUser" } ] } }
            """);

        foreach (var command in new[] { "check", "run" })
        {
            var result = await RunningProcess.RunAsync(Tools.Find("prlimit"),
                ["--nofile=200:200", UsherCli.Host, UsherCli.Dll, command, "--config", config.Path], TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("the open-files limit (RLIMIT_NOFILE) is 200", result.Errors, StringComparison.Ordinal);
            Assert.Contains("raise the limit to at least", result.Errors, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
        }

        var fits = await RunningProcess.RunAsync(Tools.Find("prlimit"),
            ["--nofile=4096:4096", UsherCli.Host, UsherCli.Dll, "check", "--config", config.Path], TimeSpan.FromSeconds(60));
        Assert.True(fits.ExitCode == 0, fits.ToString());
        Assert.Contains("\"MaxHandshakesPerSource\": 64", fits.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_under_a_low_soft_open_files_limit_works_with_the_hard_one()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config($$"""
            { "Usher": { "ShutdownGrace": "00:00:01", "Listeners": [
              { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}" } ] } }
            """);
        await using var usher = RunningProcess.Start(Tools.Find("prlimit"),
            [$"--nofile={Files}:4096", UsherCli.Host, UsherCli.Dll, "run", "--config", config.Path, "--log-format", "json"]);
        await UsherCli.WaitForListenerAsync(usher);

        // The .NET runtime raises the soft limit to the hard one as it starts (as HAProxy does for itself), so the
        // default global MaxSessions is derived from the hard limit.
        var limits = File.ReadLines($"/proc/{usher.Id}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.Equal(["4096", "4096"], limits.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3..5]);
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
