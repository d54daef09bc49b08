using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Usher.EndToEnd.Tests.Postgres;
using Usher.Testing;
using Xunit.Abstractions;

namespace Usher.EndToEnd.Tests.Cli;

/// <summary><c>usher audit</c> on a PostgreSQL server with no Usher in front of it: clients in two network namespaces,
/// the clients of one vanish (iptables DROP) while the server has news for them (NOTIFY).</summary>
public sealed class AuditCommandTests(ITestOutputHelper output)
{
    private const int Vanishing = 2;
    private const int Staying = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Audit_flags_exactly_the_vanished_clients_once_their_data_goes_unacknowledged_and_counts_each_remote()
    {
        await using var gone = await Netns.CreateAsync();
        await using var staying = await Netns.CreateAsync();
        var pg = new PostgresServer { AlsoListenOn = [gone.HostAddress, staying.HostAddress], TrustedClients = [gone.Address, staying.Address] };
        await pg.InitializeAsync();
        try
        {
            var port = pg.EndPoint.Port.ToString();
            Listen(pg, gone, Vanishing);
            Listen(pg, staying, Staying);
            await pg.WaitForCountAsync("select count(*) from pg_stat_activity where query = 'LISTEN audit;' and state = 'idle'",
                Vanishing + Staying, Timeout, pg.ServerLog);

            await gone.CutOffAsync();
            await NotifyAsync(pg);
            var json = await WaitForAsync(port, r => Sessions(r).Count(s => s.Verdict != "ok") >= Vanishing);

            var flagged = Sessions(json).Where(s => s.Verdict != "ok").ToList();
            Assert.All(flagged, s => Assert.Equal(gone.Address.ToString(), s.Remote.Address.ToString()));
            Assert.Equal(Vanishing, flagged.Count);
            Assert.All(flagged, s => Assert.True(s.Unacked > 0, $"{s.Remote} is flagged with nothing unacknowledged"));
            var remotes = json.RootElement.GetProperty("remotes").EnumerateArray()
                .ToDictionary(r => r.GetProperty("key").GetString()!, r => (r.GetProperty("count").GetInt32(), r.GetProperty("suspect").GetInt32(), r.GetProperty("headroom").GetInt32()));
            Assert.Equal((Vanishing, Vanishing, 3 - Vanishing), remotes[gone.Address.ToString()]);
            Assert.Equal((Staying, 0, 3 - Staying), remotes[staying.Address.ToString()]);
            Assert.Equal("netlink", json.RootElement.GetProperty("source").GetString());

            // The same sessions from /proc/net/tcp, and the table for people.
            var proc = JsonDocument.Parse((await AuditAsync(port, "--source", "Proc", "--json")).Output);
            Assert.Equal(Sessions(json).Select(s => s.Remote.ToString()).Order(), Sessions(proc).Select(s => s.Remote.ToString()).Order());
            Assert.Contains(proc.RootElement.GetProperty("unseen").EnumerateArray(), u => u.GetString()!.Contains("no tcp_info", StringComparison.Ordinal));
            var table = await AuditAsync(port, "--limit", "3", "--suspect-after", "00:00:01");
            output.WriteLine(table.Output);
            Assert.Contains("suspect", table.Output, StringComparison.Ordinal);
            Assert.Contains($"{gone.Address}:", table.Output, StringComparison.Ordinal);
            Assert.Contains("could not see: users: not known without --config", table.Output, StringComparison.Ordinal);
        }
        finally
        {
            await pg.DisposeAsync();
        }
    }

    [Fact]
    public async Task Audit_refuses_a_port_that_is_not_one_with_a_clear_error_and_watch_stops_on_ctrl_c()
    {
        var bad = await UsherCli.RunAsync(Timeout, "audit", "--port", "70000");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--port must be a TCP port, 1 to 65535", bad.Errors, StringComparison.Ordinal);

        await using var watch = UsherCli.Start("audit", "--port", "9", "--watch", "--json");
        await watch.WaitForLineAsync(l => l.StartsWith("{\"port\":9", StringComparison.Ordinal), EndToEnd.Soon);
        await watch.WaitForLineAsync(l => watch.Output.Count(o => o.StartsWith('{')) >= 2, EndToEnd.Soon);
        await watch.SignalAsync("INT");
        Assert.Equal(0, await watch.WaitForExitAsync(EndToEnd.Soon));
    }

    /// <summary><paramref name="count"/> psql sessions from inside the namespace, each listening on channel
    /// <c>audit</c> and then idle (their input stays open, nothing more typed).</summary>
    private static void Listen(PostgresServer pg, Netns ns, int count)
    {
        for (var i = 0; i < count; i++)
        {
            ns.Start("bash", "-c",
                $"(echo 'LISTEN audit;'; exec sleep 600) | exec {pg.Psql} -X -w -q -d '{PostgresServer.Conninfo(ns.HostAddress, pg.EndPoint.Port, "postgres")}'");
        }
    }

    /// <summary>The server sends every listener a notification: the vanished ones never acknowledge it.</summary>
    private static async Task NotifyAsync(PostgresServer pg)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString(pg.EndPoint.Port));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"NOTIFY audit, '{new string('x', 4000)}'", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task<ProcessResult> AuditAsync(string port, params string[] arguments) =>
        UsherCli.RunAsync(Timeout, ["audit", "--port", port, .. arguments]);

    /// <summary>Runs <c>usher audit --json</c> until its reading satisfies <paramref name="condition"/>.</summary>
    private async Task<JsonDocument> WaitForAsync(string port, Func<JsonDocument, bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var result = await AuditAsync(port, "--json", "--limit", "3", "--suspect-after", "00:00:01");
            Assert.True(result.ExitCode == 0, result.ToString());
            var json = JsonDocument.Parse(result.Output);
            if (condition(json))
            {
                output.WriteLine($"flagged after {waited.Elapsed.TotalSeconds:0.0} s");
                return json;
            }

            if (waited.Elapsed > Timeout)
            {
                Assert.Fail($"no reading matched within {Timeout}: {result.Output}");
            }
        }
    }

    private static IEnumerable<(IPEndPoint Remote, string Verdict, long Unacked)> Sessions(JsonDocument json) =>
        json.RootElement.GetProperty("sessions").EnumerateArray().Select(s => (
            IPEndPoint.Parse(s.GetProperty("remote").GetString()!),
            s.GetProperty("verdict").GetString()!,
            s.GetProperty("unackedBytes").GetInt64()));
}
