using System.Net;
using Npgsql;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A PostgreSQL role named in a StartupMessage is only claimed until the server accepts its password
/// (scram-sha-256 for alice_scram, cleartext for alice_clear in pg_hba.conf): StartupMessages with no password behind
/// them neither take over nor lock out alice's authenticated sessions, MaxUnconfirmedPerIdentity bounds them, a
/// client that authenticates over the limit is refused then with 53300, and Takeover still works for the real
/// alice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClaimedRolesTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Scram = "alice_scram";
    private const string Clear = "alice_clear";
    private const string Password = "Claimed-Pw-7";
    private const int SaslRequest = 10;
    private const int CleartextRequest = 3;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await postgres.CreatePasswordRolesAsync("scram-sha-256", Password, Scram);
        await postgres.CreatePasswordRolesAsync("password", Password, Clear);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StartupMessages_without_a_password_neither_take_over_nor_lock_out_alice_and_an_authenticated_newcomer_takes_over_her_oldest()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.Takeover));
        var port = gateway.EndPoint.Port;
        await using var first = await OpenAsync(port, Scram, Password);
        await using var second = await OpenAsync(port, Scram, Password);
        Assert.Equal(2, gateway.SessionsOf(Scram));

        // Two claims of alice that will never authenticate: the server asks for SCRAM and waits (its
        // authentication_timeout is a minute), and so do they.
        await using var claim1 = await ClaimAsync(gateway, Scram, SaslRequest);
        await using var claim2 = await ClaimAsync(gateway, Scram, SaslRequest);
        Assert.Equal(2, ClaimsOf(gateway, Scram));

        // A wrong password is the server's to refuse, in its own words.
        var wrong = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(port, Scram, "not-the-password"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);

        Assert.Equal(1, await ScalarAsync<int>(first, "select 1"));
        Assert.Equal(1, await ScalarAsync<int>(second, "select 1"));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.ReclaimStarted));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Equal(2, gateway.SessionsOf(Scram));

        // Alice is not locked out: with the claims still held, her new login gets in (taking over her oldest
        // session, as the policy says), and psql works too.
        var oldest = gateway.Gateway.Registry.Of("pg-claims", Scram).Min(s => s.Record.Id);
        await using var third = await OpenAsync(port, Scram, Password);
        Assert.Equal(Scram, await ScalarAsync<string>(third, "select current_user"));
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (long)r["SessionId"]! == oldest);
        Assert.Equal(CloseReason.TakenOver, closed["CloseReason"]);
        await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync<int>(first, "select 1"));
        Assert.Equal(1, await ScalarAsync<int>(second, "select 1"));

        var psql = await postgres.PsqlAsAsync(Scram, port, "select current_user", new Dictionary<string, string?> { ["PGPASSWORD"] = Password });
        Assert.True(psql.ExitCode == 0, psql.ToString());
        Assert.Equal(Scram, psql.Output.Trim());
        Assert.Equal(2, ClaimsOf(gateway, Scram));

        // The claims end with their connections.
        await claim1.DisposeAsync();
        await claim2.DisposeAsync();
        await Eventually.HoldsAsync(() => ClaimsOf(gateway, Scram) == 0, EndToEnd.Soon, "alice's claims end");
    }

    [Fact]
    public async Task A_client_that_authenticates_over_the_limit_is_refused_then_with_53300_and_the_backend_connection_closed()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.Reject, limit: 1));
        var port = gateway.EndPoint.Port;

        // A claim under the limit; the server asks for its password.
        await using var late = await ClaimAsync(gateway, Clear, CleartextRequest);

        // Meanwhile alice logs in and takes the one place.
        await using var held = await OpenAsync(port, Clear, Password);
        Assert.Equal(1, gateway.SessionsOf(Clear));

        // The late claim gives the right password: the server accepts it, the gateway refuses it in its place.
        await late.SendPasswordAsync(Password);
        var refusal = await late.ReadAsync(EndToEnd.Soon);
        Assert.Equal('E', refusal.Type);
        var text = RawPostgresClient.Text(refusal);
        Assert.Contains("|C53300|", "|" + text, StringComparison.Ordinal);
        Assert.Contains($"too many connections for role \"{Clear}\"", text, StringComparison.Ordinal);
        Assert.True(await late.EndsWithinAsync(EndToEnd.Soon));
        var logged = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal(Clear, logged["Identity"]);
        Assert.Equal("identity", logged["Scope"]);

        // The held session is untouched, and the server has no session of the refused one left.
        Assert.Equal(Clear, await ScalarAsync<string>(held, "select current_user"));
        Assert.Equal(1, gateway.SessionsOf(Clear));
        await postgres.WaitForCountAsync($"select count(*) from pg_stat_activity where usename = '{Clear}'", 1, EndToEnd.Soon);
        Assert.Equal(0, ClaimsOf(gateway, Clear));
    }

    [Fact]
    public async Task Npgsql_authenticated_over_the_limit_sees_53300_after_the_reclaim_found_nothing()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.ReclaimDead, limit: 1, reclaimWait: TimeSpan.FromSeconds(3)));
        var port = gateway.EndPoint.Port;
        await using var held = await OpenAsync(port, Scram, Password);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(port, Scram, Password));

        Assert.Equal(PostgresErrorCodes.TooManyConnections, refused.SqlState);
        Assert.Equal($"too many connections for role \"{Scram}\"", refused.MessageText);

        // The reclaim started only once the server had accepted the newcomer's SCRAM exchange; the held session is live.
        var started = await gateway.Logs.WaitForAsync(UsherEvents.ReclaimStarted, EndToEnd.Soon);
        Assert.Equal(Scram, started["Identity"]);
        Assert.Equal(Scram, await ScalarAsync<string>(held, "select current_user"));
        Assert.Equal(1, gateway.SessionsOf(Scram));
    }

    [Fact]
    public async Task MaxUnconfirmedPerIdentity_bounds_the_pending_claims_of_a_role_and_HandshakeTimeout_ends_them()
    {
        await using var gateway = TestGateway.Start(Listener(OnLimitPolicy.Takeover, maxUnconfirmed: 2, handshakeTimeout: TimeSpan.FromSeconds(6)));
        await using var claim1 = await ClaimAsync(gateway, Scram, SaslRequest);
        await using var claim2 = await ClaimAsync(gateway, Scram, SaslRequest);

        await using var third = await RawPostgresClient.StartAsync(gateway.EndPoint, Scram);
        var refusal = await third.ReadAsync(EndToEnd.Soon);
        Assert.Equal('E', refusal.Type);
        Assert.Contains("|C53300|", "|" + RawPostgresClient.Text(refusal), StringComparison.Ordinal);
        var logged = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("unconfirmed", logged["Scope"]);
        Assert.Equal(2, logged["Limit"]);
        Assert.Equal(2, logged["Count"]);

        // Another role claims apart.
        await using var other = await ClaimAsync(gateway, Clear, CleartextRequest);

        // One claim ends: room for the next.
        await claim1.DisposeAsync();
        await Eventually.HoldsAsync(() => ClaimsOf(gateway, Scram) == 1, EndToEnd.Soon, "one claim of alice left");
        await using var next = await ClaimAsync(gateway, Scram, SaslRequest);

        // No claim outlives HandshakeTimeout: the gateway ends them, and the server's sessions with them.
        Assert.True(await next.EndsWithinAsync(EndToEnd.Soon));
        Assert.True(await claim2.EndsWithinAsync(EndToEnd.Soon));
        await Eventually.HoldsAsync(() => ClaimsOf(gateway, Scram) == 0 && ClaimsOf(gateway, Clear) == 0, EndToEnd.Soon, "every claim ends");
        var timedOut = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("did not accept the credentials within HandshakeTimeout", (string)timedOut["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    private static int ClaimsOf(TestGateway gateway, string identity) =>
        gateway.Gateway.Listeners[0].Context.State.Claims.Count(identity);

    /// <summary>A StartupMessage for <paramref name="user"/> through the gateway, once the server's first answer (the
    /// authentication request <paramref name="expected"/>) has come back through it.</summary>
    private static async Task<RawPostgresClient> ClaimAsync(TestGateway gateway, string user, int expected)
    {
        var client = await RawPostgresClient.StartAsync(gateway.EndPoint, user);
        var request = await client.ReadAsync(EndToEnd.Soon);
        if (RawPostgresClient.Code(request) != expected)
        {
            await client.DisposeAsync();
            throw new InvalidOperationException($"expected authentication request {expected}, got '{request.Type}' {RawPostgresClient.Text(request)}{Environment.NewLine}{gateway.Logs.Dump()}");
        }

        return client;
    }

    private ListenerSettings Listener(OnLimitPolicy onLimit, int limit = 2, int maxUnconfirmed = ListenerSettings.DefaultMaxUnconfirmedPerIdentity,
        TimeSpan? handshakeTimeout = null, TimeSpan? reclaimWait = null) => new()
    {
        Name = "pg-claims",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = postgres.EndPoint.Address.ToString(),
        BackendPort = postgres.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = limit,
        OnLimit = onLimit,
        MaxUnconfirmedPerIdentity = maxUnconfirmed,
        HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(60),
        ReclaimWait = reclaimWait ?? TimeSpan.FromSeconds(5),
        ProbeMinIdle = TimeSpan.Zero,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<NpgsqlConnection> OpenAsync(int port, string user, string password) =>
        PostgresServer.OpenAsync(PostgresServer.ConnectionString(port, user, password));

    private static Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql) => PostgresServer.ScalarAsync<T>(connection, sql);
}
