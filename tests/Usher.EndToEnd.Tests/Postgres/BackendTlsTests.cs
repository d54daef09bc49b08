using System.Net;
using Npgsql;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Tls;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A PostgreSQL that accepts SSL connections only (<c>hostssl</c>), reached with <c>BackendTls</c> (its CA,
/// server name localhost) from a plain listener and from a listener that terminates TLS; a wrong CA is a
/// BackendUnavailable (9652) that says why.</summary>
public sealed class BackendTlsTests(SslPostgresServer ssl, TlsCertificates other) : IClassFixture<SslPostgresServer>, IClassFixture<TlsCertificates>
{
    [Fact]
    public async Task A_plain_client_reaches_a_hostssl_only_PostgreSQL_through_BackendTls_and_the_backend_sees_SSL()
    {
        await using var gateway = TestGateway.Start(Listener(ssl.Certificates.CaPem, tls: null));

        await using var connection = await PostgresServer.OpenAsync(
            new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString(gateway.EndPoint.Port)) { SslMode = SslMode.Disable }.ConnectionString);

        Assert.True(await PostgresServer.ScalarAsync<bool>(connection, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"));
        Assert.Equal(1, gateway.SessionsOf("postgres"));
    }

    [Fact]
    public async Task A_TLS_client_reaches_it_through_a_listener_that_terminates_TLS_and_re_encrypts_towards_the_backend()
    {
        await using var gateway = TestGateway.Start(Listener(ssl.Certificates.CaPem,
            tls: new TlsSettings { Certificate = other.ServerPem, Key = other.ServerKey }));

        var psql = await RunningProcess.RunAsync(ssl.Server.Psql,
            PostgresServer.PsqlArguments($"host=127.0.0.1 port={gateway.EndPoint.Port} user=postgres dbname=postgres sslmode=verify-ca sslrootcert={other.CaPem}",
                "select ssl from pg_stat_ssl where pid = pg_backend_pid()"), TimeSpan.FromSeconds(60));

        Assert.True(psql.ExitCode == 0, psql.ToString());
        Assert.Equal("t", psql.Output.Trim());
    }

    [Fact]
    public async Task BackendTls_with_a_CA_that_did_not_issue_the_backends_certificate_is_BackendUnavailable_naming_the_problem()
    {
        await using var gateway = TestGateway.Start(Listener(other.CaPem, tls: null));

        var open = PostgresServer.OpenAsync(
            new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString(gateway.EndPoint.Port)) { SslMode = SslMode.Disable }.ConnectionString);
        await Assert.ThrowsAnyAsync<Exception>(() => open);

        var failed = await gateway.Logs.WaitForAsync(UsherEvents.BackendUnavailable, EndToEnd.Soon);
        Assert.Contains("TLS handshake with the backend failed", (string)failed["Problem"]!, StringComparison.Ordinal);
        Assert.Contains("PartialChain", (string)failed["Problem"]!, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0 && gateway.Gateway.Registry.Count == 0, EndToEnd.Soon,
            "the refused session's slot released");
    }

    private ListenerSettings Listener(string ca, TlsSettings? tls) => new()
    {
        Name = "pg-backend-tls",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = ssl.Server.EndPoint.Address.ToString(),
        BackendPort = ssl.Server.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = 4,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Tls = tls,
        BackendTls = new BackendTlsSettings { Ca = ca, ServerName = "localhost" },
    };
}
