using System.Net;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher top</c> against a running <c>usher run</c> with an Admin section: real processes, real sockets.</summary>
public sealed class TopCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Top_once_prints_the_totals_the_listener_and_the_identities_against_their_limits()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var admin = await UsherCli.WaitForAdminAsync(usher);
        using var alice1 = await TestClient.ConnectAsync(listen, "127.0.0.2");
        using var alice2 = await TestClient.ConnectAsync(listen, "127.0.0.2");
        using var bob = await TestClient.ConnectAsync(listen, "127.0.0.3");
        Assert.True(await alice1.IsAdmittedAsync() && await alice2.IsAdmittedAsync() && await bob.IsAdmittedAsync());

        var top = await UsherCli.RunAsync(Timeout, "top", "--once", "--admin", admin);

        Assert.True(top.ExitCode == 0, top.ToString());
        var lines = top.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("Usher ", StringComparison.Ordinal) && l.Contains("sessions 3 /", StringComparison.Ordinal));
        Assert.Equal(["cli", listen.ToString(), backend.EndPoint.ToString(), "3", "2", "Reject", "0"], Cells(lines, listen.ToString()));
        var alice = Cells(lines, "127.0.0.2 ");
        Assert.Equal(["cli", "127.0.0.2", "2", "2"], alice[..4]);
        Assert.Equal(new string('█', 20), alice[4]);
        var bobRow = Cells(lines, "127.0.0.3 ");
        Assert.Equal(["cli", "127.0.0.3", "1", "2"], bobRow[..4]);
        Assert.Equal(new string('█', 10) + new string('░', 10), bobRow[4]);

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Top_counts_refusals_and_takes_the_address_from_the_configuration()
    {
        await using var backend = new SessionServer();
        var port = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config(Config(backend, port));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        await UsherCli.WaitForAdminAsync(usher);
        // One after the other: connections reach the reactors in any order, so the third is the refused one only
        // once the first two are in.
        using var one = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.True(await one.IsAdmittedAsync());
        using var two = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.True(await two.IsAdmittedAsync());
        using var three = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.Null(await three.ReadAsync(EndToEnd.Soon));

        var top = await UsherCli.RunAsync(Timeout, "top", "--once", "--config", config.Path);

        Assert.True(top.ExitCode == 0, top.ToString());
        Assert.Contains("refused 1", top.Output, StringComparison.Ordinal);
        Assert.Equal("1", Cells(top.Output.Split('\n'), listen.ToString())[^1]);

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Top_against_an_unreachable_admin_endpoint_is_a_one_line_error_and_exit_code_1()
    {
        var port = LocalPorts.Free(IPAddress.Loopback);
        var admin = $"http://127.0.0.1:{port}";

        var once = await UsherCli.RunAsync(Timeout, "top", "--once", "--admin", admin);
        var live = await UsherCli.RunAsync(Timeout, "top", "--admin", admin);

        foreach (var result in new[] { once, live })
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            var error = Assert.Single(result.Errors.Trim().Split('\n'));
            Assert.StartsWith($"usher: cannot reach the admin API at {admin}: Connection refused. Fix: ", error, StringComparison.Ordinal);
            Assert.Equal(string.Empty, result.Output.Trim());
        }
    }

    [Fact]
    public async Task Top_redraws_until_interrupted_and_Ctrl_C_exits_0()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        await UsherCli.WaitForListenerAsync(usher);
        var admin = await UsherCli.WaitForAdminAsync(usher);
        await using var top = UsherCli.Start("top", "--admin", admin);
        await top.WaitForLineAsync(l => l.Contains("listeners", StringComparison.Ordinal), EndToEnd.Soon);

        await top.SignalAsync("INT");

        Assert.True(await top.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, top.Describe());
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The cells of the one table row that contains <paramref name="text"/> (cells are two or more spaces
    /// apart).</summary>
    private static string[] Cells(IEnumerable<string> lines, string text) =>
        System.Text.RegularExpressions.Regex.Split(Assert.Single(lines, l => l.Contains(text, StringComparison.Ordinal)).Trim(), " {2,}");

    private static string Config(SessionServer backend, int adminPort = 0) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            "Admin": { "Listen": "127.0.0.1:{{adminPort}}" },
            "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 2 } ] } }
        """;
}
