using System.Text.Json;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher sessions --suspect</c> and <c>usher probe</c>.</summary>
public sealed partial class AdminCommandTests
{
    [Fact]
    public async Task Sessions_shows_live_clients_ok_and_probe_leaves_a_client_that_answers_its_session()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, "\"Admin\": { \"Listen\": \"127.0.0.1:0\" },"));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var admin = await WaitForAdminAsync(usher);
        using var alive = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.True(await alive.IsAdmittedAsync());

        var table = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin);
        var suspects = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--suspect");
        var json = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        var row = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.EndsWith("ok", row.TrimEnd(), StringComparison.Ordinal);
        Assert.True(suspects.ExitCode == 0, suspects.ToString());
        Assert.Contains("no open session matches (none is suspect)", suspects.Errors, StringComparison.Ordinal);
        using var sessions = JsonDocument.Parse(json.Output);
        var session = Assert.Single(sessions.RootElement.EnumerateArray());
        var liveness = session.GetProperty("liveness");
        Assert.False(liveness.GetProperty("suspect").GetBoolean());
        Assert.Equal(0, liveness.GetProperty("probes").GetInt32());
        Assert.Equal(0, liveness.GetProperty("unackedBytes").GetInt64());
        var id = session.GetProperty("id").GetInt64();

        var probe = await UsherCli.RunAsync(Timeout, "probe", id.ToString(), "--admin", admin);

        Assert.True(probe.ExitCode == 0, probe.ToString());
        Assert.StartsWith($"probing session {id}: its client has 2 s to answer", probe.Output.Trim(), StringComparison.Ordinal);
        await usher.WaitForLineAsync(l => l.Contains("[9663]", StringComparison.Ordinal) && l.Contains($"Session {id} ", StringComparison.Ordinal), EndToEnd.Soon);
        // A live client's kernel answers the probes: once the budget has passed, the session is still there.
        await WaitUntilRelayingAsync(admin, id);
        await alive.SendAsync("still here\n");
        Assert.Equal("still here\n", await alive.ReadAsync());

        var missing = await UsherCli.RunAsync(Timeout, "probe", "999999", "--admin", admin);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("no open session has id 999999", missing.Errors, StringComparison.Ordinal);

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Waits until session <paramref name="id"/> has been probing and is relaying again (its probe window
    /// passed with every probe answered).</summary>
    private static async Task WaitUntilRelayingAsync(string admin, long id)
    {
        using var http = new HttpClient { BaseAddress = new Uri(admin) };
        var deadline = DateTime.UtcNow + EndToEnd.Soon;
        var probing = false;
        while (true)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/sessions/{id}"));
            var state = json.RootElement.GetProperty("state").GetString();
            probing |= state == "probing";
            if (probing && state == "relaying")
            {
                return;
            }

            Assert.True(state is "probing" or "relaying" && DateTime.UtcNow < deadline, $"session {id} is {state}");
            await Task.Delay(100);
        }
    }
}
