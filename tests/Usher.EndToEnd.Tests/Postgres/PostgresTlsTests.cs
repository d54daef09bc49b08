using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Npgsql;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Tls;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>PostgreSQL with SSL through a listener that terminates TLS (<c>Identity: PostgresUser</c>, 2 sessions per
/// role), with psql 15 and Npgsql as clients and the test CA's certificate: the SSLRequest is answered 'S', the
/// StartupMessage is read inside TLS, the role over its limit gets FATAL 53300 inside TLS; direct TLS (ALPN
/// postgresql) works; a StartupMessage in clear is refused as <c>hostssl</c> refuses it; a cancel in clear still
/// cancels.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTlsTests(PostgresServer postgres, TlsCertificates certificates) : IAsyncLifetime, IClassFixture<TlsCertificates>
{
    private const string TooManyForAlice = "too many connections for role \"alice\"";

    /// <inheritdoc />
    public Task InitializeAsync() => postgres.CreateRolesAsync("alice", "bob");

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Psql_with_sslmode_require_is_admitted_up_to_the_roles_limit_then_prints_FATAL_too_many_connections_for_role()
    {
        await using var gateway = TestGateway.Start(TlsRoleListener());
        var port = gateway.EndPoint.Port;

        var alone = await PsqlAsync("alice", port, "select current_user", "sslmode=require");
        Assert.True(alone.ExitCode == 0, alone.ToString());
        Assert.Equal("alice", alone.Output.Trim());

        await using var first = await OpenAsync(port, "alice");
        await using var second = await OpenAsync(port, "alice");
        Assert.Equal(2, gateway.SessionsOf("alice"));

        var refused = await PsqlAsync("alice", port, "select 42", "sslmode=require");
        Assert.True(refused.ExitCode != 0, $"psql should fail at the limit: {refused}");
        Assert.Contains("FATAL:  " + TooManyForAlice, refused.Errors, StringComparison.Ordinal);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal("PostgresUser", refusal["IdentityKind"]);

        // bob is not affected, and the admitted sessions are alice's own.
        var bob = await PsqlAsync("bob", port, "select current_user", "sslmode=require");
        Assert.True(bob.ExitCode == 0, bob.ToString());
        Assert.Equal("alice", await PostgresServer.ScalarAsync<string>(second, "select current_user"));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
    }

    [Fact]
    public async Task Psql_with_sslmode_verify_full_accepts_the_gateways_certificate_for_localhost_from_the_test_CA()
    {
        await using var gateway = TestGateway.Start(TlsRoleListener());

        var verified = await PsqlAsync("alice", gateway.EndPoint.Port, "select current_user",
            $"sslmode=verify-full sslrootcert={certificates.CaPem}", host: "localhost");

        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Equal("alice", verified.Output.Trim());
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal("alice", closed["Identity"]);
    }

    [Fact]
    public async Task Direct_TLS_with_ALPN_postgresql_reads_the_StartupMessage_inside_TLS_and_refuses_over_the_limit_with_53300()
    {
        await using var gateway = TestGateway.Start(TlsRoleListener());
        var port = gateway.EndPoint.Port;
        await using var first = await OpenAsync(port, "alice");
        await using var second = await OpenAsync(port, "alice");

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.EndPoint);
        await using var ssl = new SslStream(new NetworkStream(socket));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(certificates.Ca);
        using var timeout = new CancellationTokenSource(EndToEnd.Soon);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = policy,
            ApplicationProtocols = [new SslApplicationProtocol("postgresql")],
        }, timeout.Token);
        Assert.Equal("postgresql", ssl.NegotiatedApplicationProtocol.ToString());

        await ssl.WriteAsync(PostgresWire.StartupMessage("alice"), timeout.Token);
        var answer = await ReadToEndAsync(ssl, timeout.Token);

        Assert.Equal((byte)'E', answer[0]);
        var fields = Encoding.UTF8.GetString(answer, 5, BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(1)) - 4);
        Assert.Contains("C53300\0", fields, StringComparison.Ordinal);
        Assert.Contains("M" + TooManyForAlice + "\0", fields, StringComparison.Ordinal);
        await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal(2, gateway.SessionsOf("alice"));
    }

    [Fact]
    public async Task A_StartupMessage_in_clear_is_refused_with_FATAL_28000_as_hostssl_refuses_it_and_never_reaches_PostgreSQL()
    {
        await using var gateway = TestGateway.Start(TlsRoleListener());

        var clear = await PsqlAsync("alice", gateway.EndPoint.Port, "select 1", "sslmode=disable");

        Assert.True(clear.ExitCode != 0, clear.ToString());
        Assert.Contains("FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption",
            clear.Errors, StringComparison.Ordinal);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("without SSL", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionOpened));
    }

    [Fact]
    public async Task A_cancel_psql_sends_in_clear_ends_pg_sleep_of_a_session_inside_TLS_uncounted()
    {
        await using var gateway = TestGateway.Start(TlsRoleListener());
        var port = gateway.EndPoint.Port;
        await using var other = await OpenAsync(port, "alice");

        const string sleep = "select pg_sleep(30)";
        await using var psql = RunningProcess.Start(postgres.Psql,
            PostgresServer.PsqlArguments(Conninfo("alice", port, "sslmode=require"), sleep),
            new Dictionary<string, string?> { ["PGCONNECT_TIMEOUT"] = "10" });
        await postgres.WaitForCountAsync($"select count(*) from pg_stat_activity where usename = 'alice' and state = 'active' and query = '{sleep}'",
            1, EndToEnd.Soon, psql.Describe);
        Assert.Equal(2, gateway.SessionsOf("alice"));

        var running = Stopwatch.StartNew();
        await psql.SignalAsync("INT");
        await psql.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(running.Elapsed < TimeSpan.FromSeconds(20), $"the cancel took {running.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains(psql.Errors, l => l.Contains("canceling statement due to user request", StringComparison.Ordinal));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.Empty(gateway.Logs.WithId(UsherEvents.HandshakeRejected));
    }

    /// <summary>The listener of these tests: PostgreSQL roles, 2 sessions each, TLS with the test CA's certificate.</summary>
    private ListenerSettings TlsRoleListener() => new()
    {
        Name = "pg-tls",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = postgres.EndPoint.Address.ToString(),
        BackendPort = postgres.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = 2,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Tls = new TlsSettings { Certificate = certificates.ServerPem, Key = certificates.ServerKey },
    };

    private static string Conninfo(string user, int port, string ssl, string host = "127.0.0.1") =>
        $"host={host} hostaddr=127.0.0.1 port={port} user={user} dbname=postgres connect_timeout=10 {ssl}";

    private Task<ProcessResult> PsqlAsync(string user, int port, string sql, string ssl, string host = "127.0.0.1") =>
        RunningProcess.RunAsync(postgres.Psql, PostgresServer.PsqlArguments(Conninfo(user, port, ssl, host), sql), TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["PGCONNECT_TIMEOUT"] = "10" });

    /// <summary>A session over TLS, as libpq's sslmode=require makes it (the certificate is not checked).</summary>
    private static Task<NpgsqlConnection> OpenAsync(int port, string user) =>
        PostgresServer.OpenAsync(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString(port, user)) { SslMode = SslMode.Require }.ConnectionString);

    private static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }
}
