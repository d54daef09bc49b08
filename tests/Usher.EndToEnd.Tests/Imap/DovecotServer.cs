using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Imap;

/// <summary>A Dovecot IMAP server of the tests' own (Debian's <c>dovecot-imapd</c>): a configuration written into a
/// temporary folder (passwd-file users with <c>{PLAIN}</c> passwords, plaintext logins allowed without TLS, mail,
/// runtime and state folders inside it), listening on 127.0.0.1 on a free port, run in the foreground and killed when
/// the tests are done. Dovecot's services run as root but for the login processes, which refuse to: they run as
/// <c>dovenull</c>, and mail is accessed as <c>nobody</c>.</summary>
public sealed class DovecotServer : IAsyncLifetime
{
    private const string Root = "/tmp";
    private const string Prefix = "usher-dovecot-";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, string> _passwords = [];
    private string? _directory;
    private RunningProcess? _process;

    /// <summary>The users: each has a password of its own, made up for this run.</summary>
    public static IReadOnlyList<string> Users { get; } = ["alice", "bob", "carol"];

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the server listens for connections that start with a PROXY header (from 127.0.0.0/8).</summary>
    public IPEndPoint ProxiedEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The password of <paramref name="user"/>.</summary>
    public string PasswordOf(string user) => _passwords[user];

    /// <summary>Every password, to check that none leaks.</summary>
    public IEnumerable<string> Passwords => _passwords.Values;

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
        var dovecot = Tools.TryFind("dovecot")
            ?? throw new InvalidOperationException("Dovecot is not installed (test.sh installs it: apt-get install dovecot-imapd)");
        RemoveLeftovers();
        _directory = Directory.CreateDirectory(Path.Combine(Root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        foreach (var user in Users)
        {
            _passwords[user] = $"{user}-{Guid.NewGuid():N}"[..(user.Length + 13)];
        }

        var users = string.Concat(Users.Select(u => $"{u}:{{PLAIN}}{_passwords[u]}::::{_directory}/home/{u}\n"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "users"), users);
        foreach (var folder in new[] { "mail", "home" })
        {
            Directory.CreateDirectory(Path.Combine(_directory, folder));
            await MustAsync("chown", "nobody:nogroup", Path.Combine(_directory, folder));
        }

        // The port is free when picked; should another process take it before Dovecot binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = LocalPorts.Free(IPAddress.Loopback);
            var proxied = LocalPorts.Free(IPAddress.Loopback);
            var config = Path.Combine(_directory, "dovecot.conf");
            await File.WriteAllTextAsync(config, Configuration(_directory, port, proxied));
            _process = RunningProcess.Start(dovecot, ["-F", "-c", config]);
            if (await WaitForGreetingAsync(port))
            {
                EndPoint = new IPEndPoint(IPAddress.Loopback, port);
                ProxiedEndPoint = new IPEndPoint(IPAddress.Loopback, proxied);
                return;
            }

            var failure = $"{_process.Describe()}{Environment.NewLine}{ServerLog()}";
            await StopAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"Dovecot did not start:{Environment.NewLine}{failure}");
            }
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Dovecot's log, for failure messages.</summary>
    public string ServerLog()
    {
        var path = Path.Combine(_directory ?? string.Empty, "dovecot.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no Dovecot log)";
    }

    private static string Configuration(string directory, int port, int proxied) => $$"""
        protocols = imap
        listen = 127.0.0.1
        base_dir = {{directory}}/run
        state_dir = {{directory}}/state
        log_path = {{directory}}/dovecot.log
        ssl = no
        disable_plaintext_auth = no
        auth_mechanisms = plain login
        auth_failure_delay = 0
        default_internal_user = root
        default_internal_group = root
        default_login_user = dovenull
        mail_uid = nobody
        mail_gid = nogroup
        mail_location = maildir:{{directory}}/mail/%u
        haproxy_trusted_networks = 127.0.0.0/8
        passdb {
          driver = passwd-file
          args = scheme=PLAIN {{directory}}/users
        }
        userdb {
          driver = passwd-file
          args = {{directory}}/users
        }
        service imap-login {
          inet_listener imap {
            address = 127.0.0.1
            port = {{port}}
          }
          inet_listener imap_proxied {
            address = 127.0.0.1
            port = {{proxied}}
            haproxy = yes
          }
          inet_listener imaps {
            port = 0
          }
        }
        """;

    private async Task<bool> WaitForGreetingAsync(int port)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout && !_process!.HasExited)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
                var buffer = new byte[512];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("* OK", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }

    private async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        // Killing the master (and its children with it) is enough: nothing it holds outlives it.
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Deletes the folders of test runs that were killed before they could clean up, and stops their
    /// Dovecot (whose pid is in its own folder).</summary>
    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.GetDirectories(Root, Prefix + "*"))
        {
            var owner = Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            var pidFile = Path.Combine(directory, "run", "master.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var master)
                && File.Exists($"/proc/{master}/cmdline") && File.ReadAllText($"/proc/{master}/cmdline").Contains(directory, StringComparison.Ordinal))
            {
                try
                {
                    using var leftover = Process.GetProcessById(master);
                    leftover.Kill(entireProcessTree: true);
                    leftover.WaitForExit(10_000);
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile.
                }
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task MustAsync(string tool, params string[] arguments)
    {
        var result = await RunningProcess.RunAsync(Tools.Find(tool), arguments, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }
    }
}
