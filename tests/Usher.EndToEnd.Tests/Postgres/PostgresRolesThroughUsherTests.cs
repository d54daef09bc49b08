using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using Npgsql;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A listener that counts PostgreSQL roles (<c>Identity: PostgresUser</c>, 2 sessions per role, 4 for the
/// service account svc) in front of a real PostgreSQL, with psql and Npgsql as clients: the role over its limit gets
/// the error PostgreSQL itself sends for a role over its connection limit, other roles are not affected, SSLRequest is
/// answered 'N', and a query cancel passes uncounted.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRolesThroughUsherTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string TooManyForAlice = "too many connections for role \"alice\"";

    /// <inheritdoc />
    public Task InitializeAsync() => postgres.CreateRolesAsync("alice", "bob", "svc");

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_third_session_of_alice_is_refused_with_SQLSTATE_53300_for_Npgsql_and_psql_prints_the_role_over_its_limit()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        var port = gateway.EndPoint.Port;

        await using var first = await OpenAsync(port, "alice");
        await using var second = await OpenAsync(port, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(port, "alice"));
        Assert.Equal(PostgresErrorCodes.TooManyConnections, refused.SqlState);
        Assert.Equal("53300", refused.SqlState);
        Assert.Equal("FATAL", refused.Severity);
        Assert.Equal(TooManyForAlice, refused.MessageText);

        var psql = await postgres.PsqlAsAsync("alice", port, "select 42");
        Assert.True(psql.ExitCode != 0, $"psql should fail at the limit: {psql}");
        Assert.Contains(TooManyForAlice, psql.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("42", psql.Output, StringComparison.Ordinal);

        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal(2, refusal["Limit"]);
        Assert.Equal(2, refusal["Count"]);
        Assert.Equal("PostgresUser", refusal["IdentityKind"]);
        Assert.Equal("identity", refusal["Scope"]);
        Assert.Equal("Reject", refusal["Policy"]);
        Assert.Equal(2, gateway.SessionsOf("alice"));

        // The two admitted sessions are real PostgreSQL sessions of alice.
        Assert.Equal("alice", await ScalarAsync<string>(first, "select current_user"));
        Assert.Equal("alice", await ScalarAsync<string>(second, "select current_user"));
    }

    [Fact]
    public async Task Bob_connects_with_psql_and_Npgsql_while_alice_is_at_her_limit()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        var port = gateway.EndPoint.Port;
        await using var alice1 = await OpenAsync(port, "alice");
        await using var alice2 = await OpenAsync(port, "alice");
        Assert.Equal(PostgresErrorCodes.TooManyConnections, (await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(port, "alice"))).SqlState);

        var psql = await postgres.PsqlAsAsync("bob", port, "select current_user");
        Assert.True(psql.ExitCode == 0, psql.ToString());
        Assert.Equal("bob", psql.Output.Trim());

        await using var bob1 = await OpenAsync(port, "bob");
        await using var bob2 = await OpenAsync(port, "bob");
        Assert.Equal("bob", await ScalarAsync<string>(bob2, "select current_user"));
        Assert.Equal(2, gateway.SessionsOf("bob"));
        Assert.Equal(2, gateway.SessionsOf("alice"));
        Assert.All(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded), r => Assert.Equal("alice", r["Identity"]));
    }

    [Fact]
    public async Task The_service_account_svc_gets_its_override_of_four_sessions_and_not_a_fifth()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        var port = gateway.EndPoint.Port;

        var held = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                held.Add(await OpenAsync(port, "svc"));
            }

            Assert.Equal(4, gateway.SessionsOf("svc"));
            await postgres.WaitForCountAsync("select count(*) from pg_stat_activity where usename = 'svc'", 4, EndToEnd.Soon);

            var fifth = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(port, "svc"));
            Assert.Equal(PostgresErrorCodes.TooManyConnections, fifth.SqlState);
            Assert.Equal("too many connections for role \"svc\"", fifth.MessageText);
            var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
            Assert.Equal("svc", refusal["Identity"]);
            Assert.Equal(4, refusal["Limit"]);

            // One leaves: the next one gets in.
            await held[0].DisposeAsync();
            held.RemoveAt(0);
            await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (string?)r["Identity"] == "svc");
            held.Add(await OpenAsync(port, "svc"));
            Assert.Equal(4, gateway.SessionsOf("svc"));
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Sslmode_require_fails_cleanly_on_the_N_answer_and_sslmode_prefer_goes_on_in_plain_text()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        var port = gateway.EndPoint.Port;

        var required = await postgres.PsqlAsAsync("alice", port, "select 1", new Dictionary<string, string?> { ["PGSSLMODE"] = "require" });
        Assert.True(required.ExitCode != 0, $"sslmode=require must fail: {required}");
        Assert.Contains("does not support SSL", required.Errors, StringComparison.Ordinal);

        var preferred = await postgres.PsqlAsAsync("alice", port, "select 'plain text', ssl from pg_stat_ssl where pid = pg_backend_pid()",
            new Dictionary<string, string?> { ["PGSSLMODE"] = "prefer" });
        Assert.True(preferred.ExitCode == 0, preferred.ToString());
        Assert.Equal("plain text|f", preferred.Output.Trim());

        // The refused TLS attempt was no session and no bad handshake: nothing counted, nothing logged against it.
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");
        Assert.Single(gateway.Logs.WithId(UsherEvents.SessionClosed));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_query_cancel_through_Usher_ends_pg_sleep_with_57014_and_its_connection_is_not_counted_against_alice()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        var port = gateway.EndPoint.Port;

        // alice at her limit: the cancel comes on a third connection, which would be refused were it counted.
        await using var sleeper = await OpenAsync(port, "alice");
        await using var other = await OpenAsync(port, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));

        const string sleep = "select pg_sleep(30)";
        await using var command = new NpgsqlCommand(sleep, sleeper);
        var running = Stopwatch.StartNew();
        var execution = command.ExecuteNonQueryAsync();
        await postgres.WaitForCountAsync($"select count(*) from pg_stat_activity where usename = 'alice' and state = 'active' and query = '{sleep}'",
            1, EndToEnd.Soon);

        command.Cancel();
        // Npgsql reports a cancel it asked for as OperationCanceledException around the server's error.
        var ended = await Assert.ThrowsAsync<OperationCanceledException>(() => execution.WaitAsync(TimeSpan.FromSeconds(20)));
        var cancelled = Assert.IsType<PostgresException>(ended.InnerException);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, cancelled.SqlState);
        Assert.Equal("57014", cancelled.SqlState);
        Assert.True(running.Elapsed < TimeSpan.FromSeconds(20), $"the cancel took {running.Elapsed.TotalSeconds:0.0} s");

        // The CancelRequest passed uncounted: no refusal, no session opened or closed for it, and alice still holds two.
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionClosed));
        Assert.True(2 == gateway.Logs.WithId(UsherEvents.SessionOpened).Count, gateway.Logs.Dump());
        Assert.Equal(2, gateway.SessionsOf("alice"));
        Assert.Equal(2, gateway.Gateway.Ledger.Total);

        // The cancelled session goes on.
        Assert.Equal(7, await ScalarAsync<int>(sleeper, "select 7"));
    }

    [Fact]
    public async Task Five_CancelRequests_each_followed_by_a_StartupMessage_of_alice_are_closed_and_none_reaches_PostgreSQL()
    {
        await using var gateway = TestGateway.Start(RoleListener());
        using var timeout = new CancellationTokenSource(EndToEnd.Soon);
        var smuggled = PostgresWire.CancelRequest().Concat(PostgresWire.StartupMessage("alice")).ToArray();

        for (var i = 0; i < 5; i++)
        {
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await client.ConnectAsync(gateway.EndPoint, timeout.Token);
            await client.SendAsync(smuggled, timeout.Token);

            // Closed without a byte: no authentication request, no session.
            Assert.Equal(0, await PostgresWire.ReadToEndAsync(client, timeout.Token));
        }

        await Eventually.HoldsAsync(() => gateway.Logs.WithId(UsherEvents.HandshakeRejected).Count == 5, EndToEnd.Soon, "five handshakes rejected");
        Assert.All(gateway.Logs.WithId(UsherEvents.HandshakeRejected),
            r => Assert.Equal(Usher.Protocols.Postgres.PostgresStartupReader.BytesAfterCancel, r["Problem"]));
        Assert.Equal(0L, await postgres.CountAsync("select count(*) from pg_stat_activity where usename = 'alice'"));
        Assert.Equal(0, gateway.Gateway.Ledger.Total);

        // alice's own two sessions are untouched by it.
        await using var first = await OpenAsync(gateway.EndPoint.Port, "alice");
        await using var second = await OpenAsync(gateway.EndPoint.Port, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));
    }

    /// <summary>The listener of these tests: PostgreSQL roles, 2 sessions each, svc 4.</summary>
    private ListenerSettings RoleListener() => new()
    {
        Name = "pg-roles",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = postgres.EndPoint.Address.ToString(),
        BackendPort = postgres.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = 2,
        Overrides = new Dictionary<string, int> { ["svc"] = 4 }.ToFrozenDictionary(),
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<NpgsqlConnection> OpenAsync(int port, string user) =>
        PostgresServer.OpenAsync(PostgresServer.ConnectionString(port, user));

    private static Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql) => PostgresServer.ScalarAsync<T>(connection, sql);
}
