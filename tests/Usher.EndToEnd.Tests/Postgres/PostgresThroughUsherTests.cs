using System.Diagnostics;
using System.Net;
using Npgsql;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>psql and Npgsql talk to a real PostgreSQL through Usher, and Usher's session limit holds for them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresThroughUsherTests(PostgresServer postgres)
{
    [Fact]
    public async Task Psql_through_Usher_prints_the_answer_of_a_real_PostgreSQL()
    {
        await using var gateway = TestGateway.Start(EndToEnd.Listener(postgres.EndPoint, IPAddress.Loopback, maxSessionsPerIdentity: 4));

        var result = await postgres.PsqlAsync(gateway.EndPoint.Port, "select 42");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Contains("42", lines);
        Assert.Contains("(1 row)", lines);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        AssertOrderlyClose(closed);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task Npgsql_through_Usher_runs_queries_and_receives_a_megabyte_result_intact()
    {
        await using var gateway = TestGateway.Start(EndToEnd.Listener(postgres.EndPoint, IPAddress.Loopback, maxSessionsPerIdentity: 4));

        await using (var connection = new NpgsqlConnection(ConnectionString(gateway.EndPoint.Port)))
        {
            await connection.OpenAsync();
            Assert.Equal(42, await ScalarAsync<int>(connection, "select 42"));

            await using var parameterised = new NpgsqlCommand("select $1::int + 1", connection) { Parameters = { new() { Value = 41 } } };
            Assert.Equal(42, (int)(await parameterised.ExecuteScalarAsync())!);

            var big = await ScalarAsync<string>(connection, "select repeat('usher', 209716)");
            Assert.Equal(1_048_580, big.Length);
            Assert.True(big.StartsWith("usherusher", StringComparison.Ordinal) && big.EndsWith("usher", StringComparison.Ordinal));
            Assert.Equal(1, gateway.SessionsOf("127.0.0.1"));
        }

        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        AssertOrderlyClose(closed);
        Assert.True((long)closed["BytesFromBackend"]! > 1_048_576, $"bytes from backend: {closed["BytesFromBackend"]}");
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_third_session_from_one_address_is_refused_with_event_9646_and_psql_gets_in_again_once_one_closes()
    {
        await using var gateway = TestGateway.Start(EndToEnd.Listener(postgres.EndPoint, IPAddress.Loopback, maxSessionsPerIdentity: 2));
        var port = gateway.EndPoint.Port;

        // Two sessions held: an open Npgsql connection, and psql busy with a long query in the background.
        await using var held = new NpgsqlConnection(ConnectionString(port));
        await held.OpenAsync();
        Assert.Equal(1, await ScalarAsync<int>(held, "select 1"));
        await using var sleeper = RunningProcess.Start(postgres.Psql,
            ["-X", "-w", "-h", "127.0.0.1", "-p", port.ToString(), "-U", "postgres", "-d", "postgres", "-c", "select 'held', pg_sleep(20)"]);
        await WaitUntilRunningAsync("select 'held', pg_sleep(20)", sleeper);
        Assert.Equal(2, gateway.SessionsOf("127.0.0.1"));

        // The third is refused: the gateway closes it before PostgreSQL sees it, and psql fails.
        var refused = await postgres.PsqlAsync(port, "select 42", "-At");
        Assert.True(refused.ExitCode != 0, $"psql should fail at the limit: {refused}");
        Assert.DoesNotContain("42", refused.Output, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("127.0.0.1", refusal["Identity"]);
        Assert.Equal(2, refusal["Limit"]);
        Assert.Equal(2, gateway.SessionsOf("127.0.0.1"));

        // One held session ends: psql gets in.
        await held.CloseAsync();
        AssertOrderlyClose(await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon));
        Assert.Equal(1, gateway.SessionsOf("127.0.0.1"));
        var admitted = await postgres.PsqlAsync(port, "select 42", "-At");
        Assert.True(admitted.ExitCode == 0, admitted.ToString());
        Assert.Equal("42", admitted.Output.Trim());
        Assert.False(sleeper.HasExited, "the background psql still holds its session");
    }

    /// <summary>A client that is done sends Terminate and closes; PostgreSQL closes on Terminate too. Which FIN the
    /// gateway reads first is a race on the wire, so either side may be named; never a dead peer or an error.</summary>
    private static void AssertOrderlyClose(CapturedLog closed) =>
        Assert.Contains((CloseReason)closed["CloseReason"]!, new[] { CloseReason.ClientClosed, CloseReason.BackendClosed });

    private static string ConnectionString(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = "postgres",
        Database = "postgres",
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 60,
    }.ConnectionString;

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Asks PostgreSQL itself (directly, not through the gateway) until it runs <paramref name="query"/>.</summary>
    private async Task WaitUntilRunningAsync(string query, RunningProcess client)
    {
        await using var direct = new NpgsqlConnection(ConnectionString(postgres.EndPoint.Port));
        await direct.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from pg_stat_activity where query = $1 and state = 'active'", direct)
        {
            Parameters = { new() { Value = query } },
        };
        var waited = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            if (client.HasExited || waited.Elapsed > EndToEnd.Soon)
            {
                throw new TimeoutException($"PostgreSQL does not run \"{query}\".{Environment.NewLine}{client.Describe()}");
            }

            await Task.Delay(100);
        }
    }
}
