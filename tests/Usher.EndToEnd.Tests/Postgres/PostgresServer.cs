using System.Net;
using System.Net.Sockets;
using Npgsql;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A PostgreSQL server of the tests' own: a fresh cluster in a temporary folder (initdb as the
/// <c>postgres</c> OS user, trust authentication), listening on 127.0.0.1 on a free port with its socket in that
/// folder; stopped and deleted when the tests are done. Needs the Debian <c>postgresql</c> package.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Root = "/tmp";
    private const string Prefix = "usher-pg-";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private string? _directory;

    /// <summary>The folder holding initdb, pg_ctl and psql of the newest PostgreSQL installed.</summary>
    public string BinDirectory { get; private set; } = string.Empty;

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Addresses the server listens on beside 127.0.0.1 (a network namespace's host end), set before
    /// <see cref="InitializeAsync"/>.</summary>
    public IReadOnlyList<IPAddress> AlsoListenOn { get; init; } = [];

    /// <summary>Client addresses trusted beside loopback (a network namespace's own address).</summary>
    public IReadOnlyList<IPAddress> TrustedClients { get; init; } = [];

    /// <summary>The server's certificate (PEM), set before <see cref="InitializeAsync"/>: the server then runs with
    /// ssl=on and pg_hba.conf allows <c>hostssl</c> connections only.</summary>
    public string? SslCertificate { get; init; }

    /// <summary>The key of <see cref="SslCertificate"/> (PEM).</summary>
    public string? SslKey { get; init; }

    /// <summary>The psql of the same installation.</summary>
    public string Psql => Path.Combine(BinDirectory, "psql");

    private string DataDirectory => Path.Combine(_directory!, "data");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        BinDirectory = FindBinDirectory();
        await RemoveLeftoversAsync();

        // In /tmp (not TMPDIR, which may be a folder the postgres user cannot enter), named after this process.
        _directory = Directory.CreateDirectory(Path.Combine(Root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        await Must("chown", "postgres:postgres", _directory);
        await AsPostgres("initdb", "-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "pg_hba.conf"), TrustedClients.Select(a => $"host all all {a}/32 trust"));
        var listen = string.Join(',', AlsoListenOn.Prepend(IPAddress.Loopback));
        var ssl = SslCertificate is null ? string.Empty : await RequireSslAsync();

        // The port is free when picked; should another process take it before the server binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = LocalPorts.Free(IPAddress.Loopback);
            var result = await RunAsPostgres("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"),
                "-w", "-t", "60", "-o", $"-c listen_addresses={listen} -p {port} -k {_directory} -c fsync=off -c max_connections=30{ssl}",
                "start");
            if (result.ExitCode == 0)
            {
                EndPoint = new IPEndPoint(IPAddress.Loopback, port);
                return;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"PostgreSQL did not start: {result}{Environment.NewLine}{ServerLog()}");
            }
        }
    }

    /// <summary>Gives the server its certificate and key and lets TCP clients in with SSL only.</summary>
    /// <returns>The server options that turn SSL on.</returns>
    private async Task<string> RequireSslAsync()
    {
        var certificate = Path.Combine(DataDirectory, "server.crt");
        var key = Path.Combine(DataDirectory, "server.key");
        File.Copy(SslCertificate!, certificate);
        File.Copy(SslKey!, key);
        await Must("chown", "postgres:postgres", certificate, key);
        await Must("chmod", "600", key);
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        var lines = (await File.ReadAllLinesAsync(hba)).Select(l => l.StartsWith("host ", StringComparison.Ordinal) ? "hostssl " + l[5..] : l);
        await File.WriteAllLinesAsync(hba, lines);
        return " -c ssl=on";
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        await StopAndDeleteAsync(_directory);
    }

    /// <summary>Runs psql against <paramref name="port"/> on 127.0.0.1 as the postgres user, as a person would type
    /// it: <c>psql -h 127.0.0.1 -p PORT -U postgres -c SQL</c> (no psqlrc, never prompting for a password).</summary>
    public Task<ProcessResult> PsqlAsync(int port, string sql, params string[] extra) =>
        RunningProcess.RunAsync(Psql, ["-X", "-w", "-h", "127.0.0.1", "-p", port.ToString(), "-U", "postgres", "-d", "postgres", .. extra, "-c", sql],
            TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["PGCONNECT_TIMEOUT"] = "10" });

    /// <summary>Runs psql as <paramref name="user"/> against <paramref name="port"/> on 127.0.0.1:
    /// <c>psql -X -w -At -d "host=127.0.0.1 port=PORT user=USER dbname=postgres" -c SQL</c>, with
    /// <paramref name="environment"/> added (<c>PGSSLMODE</c>, ...).</summary>
    public Task<ProcessResult> PsqlAsAsync(string user, int port, string sql, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var variables = new Dictionary<string, string?> { ["PGCONNECT_TIMEOUT"] = "10" };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        return RunningProcess.RunAsync(Psql, PsqlArguments(Conninfo(IPAddress.Loopback, port, user), sql), TimeSpan.FromSeconds(60), variables);
    }

    /// <summary>psql's arguments for one command, unaligned and without headers, never prompting for a password.</summary>
    public static string[] PsqlArguments(string conninfo, string sql) => ["-X", "-w", "-At", "-d", conninfo, "-c", sql];

    /// <summary>A libpq connection string for <paramref name="user"/> on <paramref name="host"/>:<paramref name="port"/>,
    /// database postgres; <paramref name="options"/> are server settings for the session (<c>-c name=value</c>).</summary>
    public static string Conninfo(IPAddress host, int port, string user, string? options = null) =>
        $"host={host} port={port} user={user} dbname=postgres connect_timeout=10" + (options is null ? string.Empty : $" options='{options}'");

    /// <summary>An Npgsql connection string for <paramref name="user"/> on 127.0.0.1:<paramref name="port"/>, without
    /// pooling (every open is a new connection the gateway counts).</summary>
    public static string ConnectionString(int port, string user = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = user,
        Database = "postgres",
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 60,
    }.ConnectionString;

    /// <summary>Creates login roles that do not exist yet (trust authentication: no passwords). Roles outlive a test;
    /// the tests of the collection share them.</summary>
    public async Task CreateRolesAsync(params string[] roles)
    {
        foreach (var role in roles)
        {
            var result = await PsqlAsync(EndPoint.Port,
                $"do $$ begin if not exists (select from pg_roles where rolname = '{role}') then create role {role} login; end if; end $$");
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"creating role {role} failed: {result}");
            }
        }
    }

    /// <summary>The password mode: creates (or resets) login roles that must give <paramref name="password"/>, by
    /// <paramref name="method"/> (<c>scram-sha-256</c>, or <c>password</c> for cleartext), in a line of pg_hba.conf
    /// ahead of the trust lines; the server reloads and is asked until a connection of the first role without a
    /// password is refused. Roles outlive a test; the tests of the collection share them.</summary>
    public async Task CreatePasswordRolesAsync(string method, string password, params string[] roles)
    {
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        var lines = (await File.ReadAllLinesAsync(hba)).ToList();
        foreach (var role in roles)
        {
            var result = await PsqlAsync(EndPoint.Port,
                $"do $$ begin if not exists (select from pg_roles where rolname = '{role}') then create role {role} login; end if; end $$; alter role {role} password '{password}'");
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"creating role {role} failed: {result}");
            }

            var line = $"host all {role} 127.0.0.1/32 {method}";
            if (!lines.Contains(line))
            {
                lines.Insert(0, line);
            }
        }

        await File.WriteAllLinesAsync(hba, lines);
        var reload = await PsqlAsync(EndPoint.Port, "select pg_reload_conf()");
        if (reload.ExitCode != 0)
        {
            throw new InvalidOperationException($"reloading pg_hba.conf failed: {reload}");
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await PsqlAsAsync(roles[0], EndPoint.Port, "select 1")).ExitCode == 0)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"role {roles[0]} still connects without a password.{Environment.NewLine}{ServerLog()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="user"/> with <paramref name="password"/>, without
    /// pooling.</summary>
    public static string ConnectionString(int port, string user, string password) =>
        new NpgsqlConnectionStringBuilder(ConnectionString(port, user)) { Password = password }.ConnectionString;

    /// <summary>Opens an Npgsql connection (disposed if the open fails).</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>One value of <paramref name="sql"/> on <paramref name="connection"/>.</summary>
    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Asks the server directly (not through a gateway) for one number.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(EndPoint.Port));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Asks the server directly until <paramref name="sql"/> counts <paramref name="expected"/>; fails with
    /// the last count and <paramref name="describe"/> when it does not in time.</summary>
    public async Task WaitForCountAsync(string sql, long expected, TimeSpan timeout, Func<string>? describe = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        long count;
        while ((count = await CountAsync(sql)) != expected)
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"\"{sql}\" counts {count}, not {expected}, after {timeout}.{Environment.NewLine}{describe?.Invoke()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The server's log, for failure messages.</summary>
    public string ServerLog()
    {
        var path = Path.Combine(_directory ?? string.Empty, "server.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no server log)";
    }

    private async Task StopAndDeleteAsync(string directory)
    {
        var data = Path.Combine(directory, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            await RunAsPostgres("pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "30", "stop");
        }

        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Stops and deletes the servers of test runs that were killed before they could clean up.</summary>
    private async Task RemoveLeftoversAsync()
    {
        foreach (var directory in Directory.GetDirectories(Root, Prefix + "*"))
        {
            var owner = Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(owner, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                await StopAndDeleteAsync(directory);
            }
        }
    }

    private static string FindBinDirectory()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .ToArray()
            : [];
        return installed.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb (test.sh installs it: apt-get install postgresql)");
    }

    private Task<ProcessResult> RunAsPostgres(string tool, params string[] arguments) =>
        RunningProcess.RunAsync(Tools.Find("runuser"), ["-u", "postgres", "--", Path.Combine(BinDirectory, tool), .. arguments], CommandTimeout);

    private async Task AsPostgres(string tool, params string[] arguments)
    {
        var result = await RunAsPostgres(tool, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }
    }

    private static async Task Must(string tool, params string[] arguments)
    {
        var result = await RunningProcess.RunAsync(Tools.Find(tool), arguments, CommandTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }
    }
}

/// <summary>The tests that share one PostgreSQL server; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "PostgreSQL";
}
