using System.Net;
using System.Net.Sockets;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher doctor</c> as an operator runs it before (or beside) <c>usher run</c>.</summary>
public sealed class DoctorCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Doctor_finds_a_backend_that_is_down_says_how_to_fix_it_and_exits_1()
    {
        await using var backend = new SessionServer();
        var down = LocalPorts.Free(IPAddress.Loopback);
        using var config = UsherCli.Config($$"""
            { "Usher": { "Listeners": [
              { "Name": "up", "Listen": "127.0.0.1:0", "Backend": "{{backend.EndPoint}}" },
              { "Name": "down", "Listen": "127.0.0.1:0", "Backend": "127.0.0.1:{{down}}" } ] } }
            """);

        var result = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"ok    up: backend {backend.EndPoint}: accepts connections", result.Output, StringComparison.Ordinal);
        Assert.Contains($"FIX   down: backend 127.0.0.1:{down}: Connection refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("→ start the backend, or correct the listener's Backend key", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 to fix", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_warns_when_a_vanished_client_would_count_for_hours_and_when_the_address_is_taken_but_exits_0()
    {
        await using var backend = new SessionServer();
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        using var config = UsherCli.Config($$"""
            { "Usher": { "Listeners": [
              { "Name": "exchange", "Listen": "{{taken.LocalEndPoint}}", "Backend": "{{backend.EndPoint}}",
                "Keepalive": { "Idle": "02:00:00", "Interval": "00:01:15", "Count": 9 } } ] } }
            """);

        var result = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("watch exchange: dead peers: a vanished client or backend is found dead within 02:11:15", result.Output, StringComparison.Ordinal);
        Assert.Contains("OnLimit: ReclaimDead", result.Output, StringComparison.Ordinal);
        Assert.Contains($"watch exchange: listen {taken.LocalEndPoint}: already listened on by {taken.LocalEndPoint} (process {Environment.ProcessId} ", result.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing to fix; 2 to watch.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_reports_configuration_errors_with_key_and_fix_and_checks_the_host_without_a_configuration()
    {
        using var config = UsherCli.Config("""
            { "Usher": { "Listeners": [ { "Name": "pg", "Listen": "127.0.0.1:0", "Backend": "127.0.0.1:5432", "MaxSessionsPerIdentity": -1 } ] } }
            """);

        var bad = await UsherCli.RunAsync(Timeout, "doctor", "--config", config.Path);
        var host = await UsherCli.RunAsync(Timeout, "doctor");

        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("FIX   configuration: ", bad.Output, StringComparison.Ordinal);
        Assert.Contains("Usher:Listeners:0:MaxSessionsPerIdentity", bad.Output, StringComparison.Ordinal);
        Assert.True(host.ExitCode == 0, host.ToString());
        Assert.Contains("open files: limit ", host.Output, StringComparison.Ordinal);
        Assert.Contains("net.ipv4.tcp_keepalive_time", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.Output + bad.Errors + host.Output + host.Errors, StringComparison.Ordinal);
    }
}
