using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher sessions</c> and <c>usher kill</c> against a running <c>usher run</c> with an Admin section, as
/// an operator uses them: real processes, real sockets, the admin API over HTTP.</summary>
public sealed partial class AdminCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sessions_lists_the_open_sessions_as_a_table_as_JSON_and_filtered_by_identity()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, "\"Admin\": { \"Listen\": \"127.0.0.1:0\" },"));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var admin = await WaitForAdminAsync(usher);
        using var two = await TestClient.ConnectAsync(listen, "127.0.0.2");
        using var three = await TestClient.ConnectAsync(listen, "127.0.0.3");
        Assert.True(await two.IsAdmittedAsync() && await three.IsAdmittedAsync());

        var table = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin);
        var json = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--json");
        var filtered = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--identity", "127.0.0.3");

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "LISTENER", "IDENTITY", "CLIENT", "BACKEND", "AGE", "IDLE", "IN", "OUT", "RCVD", "UNACKED", "PROBES", "LIVENESS"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains("cli", StringComparison.Ordinal) && l.Contains(two.Socket.LocalEndPoint!.ToString()!, StringComparison.Ordinal)
            && l.Contains(backend.EndPoint.ToString(), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(three.Socket.LocalEndPoint!.ToString()!, StringComparison.Ordinal));

        Assert.True(json.ExitCode == 0, json.ToString());
        using var sessions = JsonDocument.Parse(json.Output);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], sessions.RootElement.EnumerateArray()
            .Select(s => s.GetProperty("identity").GetProperty("value").GetString()!).Order(StringComparer.Ordinal));

        Assert.True(filtered.ExitCode == 0, filtered.ToString());
        var rows = filtered.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        Assert.Contains(three.Socket.LocalEndPoint!.ToString()!, Assert.Single(rows), StringComparison.Ordinal);

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Kill_by_id_and_by_identity_close_the_sessions_on_both_sides()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, "\"Admin\": { \"Listen\": \"127.0.0.1:0\" },"));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var admin = await WaitForAdminAsync(usher);
        using var victim = await TestClient.ConnectAsync(listen, "127.0.0.2");
        using var alice1 = await TestClient.ConnectAsync(listen, "127.0.0.3");
        using var alice2 = await TestClient.ConnectAsync(listen, "127.0.0.3");
        Assert.True(await victim.IsAdmittedAsync() && await alice1.IsAdmittedAsync() && await alice2.IsAdmittedAsync());
        var listed = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--json", "--identity", "127.0.0.2");
        using var json = JsonDocument.Parse(listed.Output);
        var id = Assert.Single(json.RootElement.EnumerateArray()).GetProperty("id").GetInt64();

        var one = await UsherCli.RunAsync(Timeout, "kill", id.ToString(), "--admin", admin);

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal($"killed session {id}", one.Output.Trim());
        Assert.Null(await victim.ReadAsync(EndToEnd.Soon));
        await backend.WaitUntilAsync(s => s.Open == 2, EndToEnd.Soon);
        await usher.WaitForLineAsync(l => l.Contains("[9653]", StringComparison.Ordinal) && l.Contains($"Session {id} ", StringComparison.Ordinal), EndToEnd.Soon);
        await usher.WaitForLineAsync(l => l.Contains("[9642]", StringComparison.Ordinal) && l.Contains("closed: Killed", StringComparison.Ordinal), EndToEnd.Soon);

        var again = await UsherCli.RunAsync(Timeout, "kill", id.ToString(), "--admin", admin);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains($"no open session has id {id}", again.Errors, StringComparison.Ordinal);

        var all = await UsherCli.RunAsync(Timeout, "kill", "--listener", "cli", "--identity", "127.0.0.3", "--admin", admin);

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.StartsWith("killed 2 session(s) of \"127.0.0.3\" on listener \"cli\"", all.Output.Trim(), StringComparison.Ordinal);
        Assert.Null(await alice1.ReadAsync(EndToEnd.Soon));
        Assert.Null(await alice2.ReadAsync(EndToEnd.Soon));
        await backend.WaitUntilAsync(s => s.Open == 0, EndToEnd.Soon);
        var empty = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--json");
        Assert.Equal("[]", empty.Output.Trim());

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task With_a_token_config_brings_it_and_a_missing_or_wrong_token_is_a_one_line_error()
    {
        await using var backend = new SessionServer();
        var port = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config(Config(backend, $$"""
            "Admin": { "Listen": "127.0.0.1:{{port}}", "TokenFile": "admin.token" },
            """));
        var folder = Path.GetDirectoryName(config.Path)!;
        await File.WriteAllTextAsync(Path.Combine(folder, "admin.token"), "0123456789abcdef0123456789abcdef\n");
        var wrong = Path.Combine(folder, "wrong.token");
        await File.WriteAllTextAsync(wrong, "fedcba9876543210fedcba9876543210\n");
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);
        var admin = await WaitForAdminAsync(usher);
        Assert.Equal($"http://127.0.0.1:{port}", admin);
        using var client = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());

        var withConfig = await UsherCli.RunAsync(Timeout, "sessions", "--config", config.Path);
        var noToken = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin);
        var wrongToken = await UsherCli.RunAsync(Timeout, "kill", "1", "--admin", admin, "--token-file", wrong);

        Assert.True(withConfig.ExitCode == 0, withConfig.ToString());
        Assert.Contains("127.0.0.2", withConfig.Output, StringComparison.Ordinal);
        Assert.True(noToken.ExitCode == 1, noToken.ToString());
        Assert.Equal($"usher: the admin API at {admin} wants a token (401). Fix: pass --token-file with the file Admin:TokenFile names, or --config FILE",
            noToken.Errors.Trim());
        Assert.True(wrongToken.ExitCode == 1, wrongToken.ToString());
        Assert.StartsWith($"usher: the admin API at {admin} refused the token (401).", wrongToken.Errors.Trim(), StringComparison.Ordinal);
        Assert.Single(wrongToken.Errors.Trim().Split('\n'));
        await client.SendAsync("still here\n");
        Assert.Equal("still here\n", await client.ReadAsync(EndToEnd.Soon));
        await usher.WaitForLineAsync(l => l.Contains("[9659]", StringComparison.Ordinal), EndToEnd.Soon);
        Assert.DoesNotContain(usher.Output, l => l.Contains("0123456789abcdef", StringComparison.Ordinal));

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_graceful_restart_takes_over_the_admin_socket_too_and_the_new_process_answers()
    {
        await using var backend = new SessionServer();
        var port = LocalPorts.Free(IPAddress.Loopback);
        var listenerPort = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config(Config(backend, $$"""
            "Admin": { "Listen": "127.0.0.1:{{port}}" },
            """).Replace("127.0.0.1:0", $"127.0.0.1:{listenerPort}", StringComparison.Ordinal));
        await using var old = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(old);
        var admin = await WaitForAdminAsync(old);

        await using var successor = UsherCli.Start("run", "--config", config.Path, "--take-over", old.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UsherCli.WaitForListenerAsync(successor);
        var line = await successor.WaitForLineAsync(l => l.Contains("Admin API listening on", StringComparison.Ordinal), EndToEnd.Soon);
        Assert.Contains($"http://127.0.0.1:{port} (no token: loopback only; socket taken over)", line, StringComparison.Ordinal);
        await old.SignalAsync("TERM");
        Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        using var client = await TestClient.ConnectAsync(listen, "127.0.0.5");
        Assert.True(await client.IsAdmittedAsync());
        var sessions = await UsherCli.RunAsync(Timeout, "sessions", "--admin", admin, "--json");

        Assert.True(sessions.ExitCode == 0, sessions.ToString());
        using var json = JsonDocument.Parse(sessions.Output);
        Assert.Equal("127.0.0.5", Assert.Single(json.RootElement.EnumerateArray()).GetProperty("identity").GetProperty("value").GetString());
        Assert.False(successor.HasExited, successor.Describe());
        await successor.SignalAsync("TERM");
        Assert.Equal(0, await successor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task An_unreachable_admin_endpoint_is_a_one_line_error_without_a_stack_trace()
    {
        var port = LocalPorts.Free(IPAddress.Loopback);
        var url = $"http://127.0.0.1:{port}";

        var sessions = await UsherCli.RunAsync(Timeout, "sessions", "--admin", url);
        var kill = await UsherCli.RunAsync(Timeout, "kill", "7", "--admin", url);

        foreach (var result in new[] { sessions, kill })
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            var line = Assert.Single(result.Errors.Trim().Split('\n'));
            Assert.StartsWith($"usher: cannot reach the admin API at {url}: Connection refused. Fix: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Output + result.Errors, StringComparison.Ordinal);
            Assert.True(string.IsNullOrWhiteSpace(result.Output), result.ToString());
        }
    }

    [Fact]
    public async Task A_config_without_an_Admin_section_says_so()
    {
        using var config = UsherCli.Config("""
            { "Usher": { "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);

        var result = await UsherCli.RunAsync(Timeout, "sessions", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{config.Path} has no Admin section", result.Errors, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_exits_1_naming_Admin_Listen_when_the_admin_address_is_taken_and_accepts_no_session()
    {
        await using var backend = new SessionServer();
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        using var config = UsherCli.Config(Config(backend, $$"""
            "Admin": { "Listen": "{{taken.LocalEndPoint}}" },
            """));

        var result = await UsherCli.RunAsync(Timeout, "run", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"usher: {config.Path}: Usher:Admin:Listen: the admin endpoint cannot listen on {taken.LocalEndPoint}: Address already in use. Fix: ",
            result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("accepting on", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_prints_the_Admin_section_without_the_token()
    {
        using var config = UsherCli.Config("""
            { "Usher": {
                "Admin": { "Listen": "0.0.0.0:9646", "TokenFile": "admin.token" },
                "Listeners": [ { "Listen": "127.0.0.1:6432", "Backend": "127.0.0.1:5432" } ] } }
            """);
        var token = Path.Combine(Path.GetDirectoryName(config.Path)!, "admin.token");
        await File.WriteAllTextAsync(token, "0123456789abcdef0123456789abcdef\n");

        var result = await UsherCli.RunAsync(Timeout, "check", "--config", config.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var admin = json.RootElement.GetProperty("Usher").GetProperty("Admin");
        Assert.Equal("0.0.0.0:9646", admin.GetProperty("Listen").GetString());
        Assert.Equal(token, admin.GetProperty("TokenFile").GetString());
        Assert.DoesNotContain("0123456789abcdef", result.Output + result.Errors, StringComparison.Ordinal);
    }

    /// <summary>The admin endpoint's URL, from its 9658 line.</summary>
    private static Task<string> WaitForAdminAsync(RunningProcess usher) => UsherCli.WaitForAdminAsync(usher);

    private static string Config(SessionServer backend, string admin) => $$"""
        { "Usher": {
            "ShutdownGrace": "00:00:01",
            {{admin}}
            "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}", "MaxSessionsPerIdentity": 4 } ] } }
        """;
}
