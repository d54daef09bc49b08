using System.Collections.Frozen;
using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>Debian's pgbench with a new connection per transaction (<c>-C</c>), as a connection pool recycles its
/// connections, through a listener that counts PostgreSQL roles: a role never holding more sessions than its limit is
/// never refused (0 aborted clients), and PostgreSQL never sees the role over its limit (pg_stat_activity sampled
/// during the run).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgbenchConnectionPerTransactionTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Database = "pgbenchc";
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await postgres.CreateRolesAsync("bench3", "bench1");
        var exists = await postgres.CountAsync($"select count(*) from pg_database where datname = '{Database}'");
        if (exists == 0)
        {
            Must(await postgres.PsqlAsync(postgres.EndPoint.Port, $"create database {Database}"));
            Must(await RunningProcess.RunAsync(Pgbench, ["-i", "-s", "1", "-q", "-h", "127.0.0.1", "-p", postgres.EndPoint.Port.ToString(),
                "-U", "postgres", Database], TimeSpan.FromSeconds(120)));
            Must(await postgres.PsqlAsync(postgres.EndPoint.Port, "grant select on all tables in schema public to bench3, bench1",
                "-d", Database));
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    private string Pgbench => Path.Combine(postgres.BinDirectory, "pgbench");

    [Theory]
    [InlineData("bench3", 3, 2)]
    [InlineData("bench1", 1, 1)]
    public async Task Pgbench_with_a_connection_per_transaction_within_the_roles_limit_has_no_aborted_client(string role, int limit, int clients)
    {
        await using var gateway = TestGateway.Start(Listener());
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(role, sampling.Token);

        var result = await RunningProcess.RunAsync(Pgbench, ["-n", "-C", "-S", "-c", clients.ToString(), "-T", ((int)Run.TotalSeconds).ToString(),
            "-h", "127.0.0.1", "-p", gateway.EndPoint.Port.ToString(), "-U", role, Database], Run + TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["PGCONNECT_TIMEOUT"] = "10" });
        await sampling.CancelAsync();
        var (samples, most) = await sampler;

        Assert.True(result.ExitCode == 0, $"pgbench failed: {result}");
        Assert.DoesNotContain("aborted", result.Errors + result.Output, StringComparison.Ordinal);
        Assert.Contains("number of failed transactions: 0", result.Output, StringComparison.Ordinal);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
        Assert.True(samples > 10, $"pg_stat_activity sampled {samples} times");
        Assert.True(most <= limit, $"PostgreSQL saw {most} sessions of {role}, over its limit of {limit}");
        Assert.True(most >= 1, $"the run was seen at PostgreSQL ({samples} samples)");
    }

    /// <summary>Counts the role's sessions at PostgreSQL, one query after another, until cancelled.</summary>
    private async Task<(int Samples, long Most)> SampleAsync(string role, CancellationToken stop)
    {
        await Task.Yield();
        var samples = 0;
        long most = 0;
        await using var connection = new Npgsql.NpgsqlConnection(PostgresServer.ConnectionString(postgres.EndPoint.Port));
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new Npgsql.NpgsqlCommand($"select count(*) from pg_stat_activity where usename = '{role}'", connection);
        while (!stop.IsCancellationRequested)
        {
            most = Math.Max(most, Convert.ToInt64(await command.ExecuteScalarAsync(CancellationToken.None), System.Globalization.CultureInfo.InvariantCulture));
            samples++;
        }

        return (samples, most);
    }

    private ListenerSettings Listener() => new()
    {
        Name = "pgbench",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = postgres.EndPoint.Address.ToString(),
        BackendPort = postgres.EndPoint.Port,
        Identity = IdentityKind.PostgresUser,
        MaxSessionsPerIdentity = 3,
        Overrides = new Dictionary<string, int> { ["bench1"] = 1 }.ToFrozenDictionary(),
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    private static void Must(ProcessResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.ToString());
        }
    }
}
