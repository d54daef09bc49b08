using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher run --config FILE</c> as a service manager runs it: real process, real sockets, signals.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_with_a_malformed_file_exits_1_naming_the_file_the_key_and_the_fix()
    {
        using var config = UsherCli.Config("""
            { "Usher": { "ShutdownGrace": "soon", "Listeners": [ { "Listen": "127.0.0.1:0", "Backend": "127.0.0.1:5432" } ] } }
            """);

        var result = await UsherCli.RunAsync(TimeSpan.FromSeconds(60), "run", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{config.Path}: Usher:ShutdownGrace: \"soon\" is not a duration", result.Errors, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_exits_1_saying_it_cannot_listen_when_its_address_is_taken()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        using var config = UsherCli.Config($$"""
            { "Usher": { "Listeners": [ { "Listen": "{{taken.LocalEndPoint}}", "Backend": "127.0.0.1:5432" } ] } }
            """);

        var result = await UsherCli.RunAsync(TimeSpan.FromSeconds(60), "run", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"cannot listen on {taken.LocalEndPoint}: Address already in use", result.Errors, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Errors, StringComparison.Ordinal);
        Assert.Contains(config.Path, result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_run_on_the_same_address_exits_1_naming_the_first_process_instead_of_sharing_its_port()
    {
        await using var backend = new SessionServer();
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Dispose();
        using var config = UsherCli.Config($$"""
            { "Usher": { "Listeners": [ { "Listen": "127.0.0.1:{{port}}", "Backend": "{{backend.EndPoint}}" } ] } }
            """);
        await using var first = UsherCli.Start("run", "--config", config.Path);
        await UsherCli.WaitForListenerAsync(first);

        var second = await UsherCli.RunAsync(TimeSpan.FromSeconds(60), "run", "--config", config.Path);

        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains($"listened on by 127.0.0.1:{port} (process {first.Id} ", second.Errors, StringComparison.Ordinal);
        Assert.Contains("--take-over", second.Errors, StringComparison.Ordinal);
        using var client = await TestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        Assert.True(await client.IsAdmittedAsync(), "the first usher still serves the port alone");
    }

    [Fact]
    public async Task Run_with_a_good_file_relays_a_client_to_its_backend()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 4, grace: "00:00:01"));
        await using var usher = UsherCli.Start("run", "--config", config.Path);
        var listen = await UsherCli.WaitForListenerAsync(usher);

        using var client = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.Equal("hello 1\n", await client.ReadAsync(EndToEnd.Soon));
        await client.SendAsync("through usher\n");
        Assert.Equal("through usher\n", await client.ReadAsync(EndToEnd.Soon));
        Assert.Equal(1, backend.Open);

        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(usher.Output, l => l.Contains("Listener \"cli\" accepting on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_with_json_logs_prints_one_JSON_object_per_line_and_a_refusal_as_event_9646()
    {
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 1, grace: "00:00:01"));
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json", "--log-level", "Debug");
        var listen = await UsherCli.WaitForListenerAsync(usher);

        using var admitted = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.True(await admitted.IsAdmittedAsync());
        using var refused = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.Null(await refused.ReadAsync(EndToEnd.Soon));

        await usher.WaitForLineAsync(l => l.Contains("\"EventId\":9646", StringComparison.Ordinal), EndToEnd.Soon);
        await usher.SignalAsync("TERM");
        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // Every line is a JSON object: a log shipper can take the output as it is.
        foreach (var line in usher.Output)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
            Assert.True(entry.RootElement.TryGetProperty("EventId", out _), line);
        }

        var refusal = Assert.Single(UsherCli.Entries(usher, UsherEvents.SessionLimitExceeded));
        Assert.Equal("Warning", refusal.GetProperty("LogLevel").GetString());
        var state = refusal.GetProperty("State");
        Assert.Equal("127.0.0.1", state.GetProperty("Identity").GetString());
        Assert.Equal("cli", state.GetProperty("Listener").GetString());
        Assert.Equal(1, state.GetProperty("Limit").GetInt32());
        Assert.Single(UsherCli.Entries(usher, UsherEvents.SessionOpened));
    }

    [Fact]
    public async Task On_SIGTERM_run_stops_accepting_drains_for_ShutdownGrace_then_closes_the_session_and_exits_0()
    {
        var grace = TimeSpan.FromSeconds(3);
        await using var backend = new SessionServer();
        using var config = UsherCli.Config(Config(backend, maxSessionsPerIdentity: 4, grace: "00:00:03"));
        await using var usher = UsherCli.Start("run", "--config", config.Path, "--log-format", "json");
        var listen = await UsherCli.WaitForListenerAsync(usher);
        using var client = await TestClient.ConnectAsync(listen, "127.0.0.1");
        Assert.Equal("hello 1\n", await client.ReadAsync(EndToEnd.Soon));

        var sinceSignal = Stopwatch.StartNew();
        await usher.SignalAsync("TERM");
        await usher.WaitForLineAsync(l => l.Contains("\"EventId\":9643", StringComparison.Ordinal), EndToEnd.Soon);

        // No longer accepting: a new connection is refused by the kernel.
        var e = await Assert.ThrowsAsync<SocketException>(() => TestClient.ConnectAsync(listen, "127.0.0.1"));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);

        // The open session still works while it drains.
        await client.SendAsync("still there?\n");
        Assert.Equal("still there?\n", await client.ReadAsync(EndToEnd.Soon));
        Assert.Equal(1, backend.Open);

        // When the grace is over it is closed: the backend sees its connection end, the client too.
        await backend.WaitUntilAsync(s => s.Open == 0, grace + EndToEnd.Soon);
        var closedAfter = sinceSignal.Elapsed;
        Assert.True(closedAfter >= grace - TimeSpan.FromMilliseconds(250),
            $"the session was closed {closedAfter.TotalSeconds:0.00} s after SIGTERM, before the {grace.TotalSeconds} s grace");
        Assert.Null(await client.ReadAsync(EndToEnd.Soon));

        Assert.Equal(0, await usher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var exitedAfter = sinceSignal.Elapsed;
        Assert.True(exitedAfter <= grace + TimeSpan.FromSeconds(5),
            $"exited {exitedAfter.TotalSeconds:0.00} s after SIGTERM; the grace is {grace.TotalSeconds} s");
        var closed = Assert.Single(UsherCli.Entries(usher, UsherEvents.SessionClosed));
        Assert.Equal("Shutdown", closed.GetProperty("State").GetProperty("CloseReason").GetString());
    }

    private static string Config(SessionServer backend, int maxSessionsPerIdentity, string grace) => $$"""
        { "Usher": {
            "ShutdownGrace": "{{grace}}",
            "Listeners": [ { "Name": "cli", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}",
                             "MaxSessionsPerIdentity": {{maxSessionsPerIdentity}} } ] } }
        """;
}
