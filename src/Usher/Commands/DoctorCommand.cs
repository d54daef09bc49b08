using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Usher.Configuration;
using Usher.Gateway;
using Usher.Gateway.Sockets;

namespace Usher.Cli.Commands;

/// <summary><c>usher doctor [--config FILE]</c>: checks this host and, given a configuration, each listener's
/// address, backend, liveness budget and certificate; prints what is fine, what to watch and what to fix. Exit 1 when
/// anything must be fixed before <c>usher run</c> can do its job.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "A configuration file to check against this host." };
        config.Validators.Add(ArgumentParsers.FilePath);
        var command = new Command("doctor", "Check this host (and a configuration) for what would keep Usher from doing its job.") { config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var findings = new List<Finding>();
            Host(findings);
            if (parse.GetValue(config) is { } path)
            {
                await ConfigurationAsync(path, findings, cancellationToken);
            }

            foreach (var finding in findings)
            {
                await Console.Out.WriteLineAsync(finding.ToString());
            }

            var failed = findings.Count(f => f.Level == Level.Fix);
            var warned = findings.Count(f => f.Level == Level.Watch);
            await Console.Out.WriteLineAsync(failed > 0
                ? $"{failed} to fix, {warned} to watch."
                : warned > 0 ? $"Nothing to fix; {warned} to watch." : "All good.");
            return failed > 0 ? 1 : 0;
        });
        return command;
    }

    internal enum Level
    {
        Ok,
        Watch,
        Fix,
    }

    internal sealed record Finding(Level Level, string Subject, string Detail, string? Advice = null)
    {
        public override string ToString()
        {
            var mark = Level switch { Level.Ok => "ok   ", Level.Watch => "watch", _ => "FIX  " };
            return Advice is null ? $"{mark} {Subject}: {Detail}" : $"{mark} {Subject}: {Detail}{Environment.NewLine}      → {Advice}";
        }
    }

    private static void Host(List<Finding> findings)
    {
        var kernel = Environment.OSVersion.Version;
        findings.Add(kernel >= new Version(5, 6)
            ? new Finding(Level.Ok, "kernel", $"Linux {kernel}: splice, TCP_USER_TIMEOUT, TCP_INFO and pidfd_getfd (graceful restart)")
            : new Finding(Level.Watch, "kernel", $"Linux {kernel}: `usher run --take-over` needs pidfd_getfd (5.6)",
                "upgrade the kernel to use graceful restart; everything else works"));

        if (ProcessLimits.OpenFilesLimit() is { } files)
        {
            var sessions = ProcessLimits.DefaultMaxSessions();
            var level = sessions < 1000 ? Level.Watch : Level.Ok;
            findings.Add(new Finding(level, "open files", string.Create(CultureInfo.InvariantCulture,
                $"limit {files}: room for about {sessions:N0} sessions (2 descriptors each, beside {ProcessLimits.PipeBudget(files)} pipes and the runtime's own)"),
                level == Level.Watch ? "raise the limit (systemd LimitNOFILE=, or ulimit -n) to hold more sessions" : null));
        }

        var unreadable = new List<string>();
        var host = HostLiveness.Read(unreadable);
        if (unreadable.Count == 0)
        {
            var k = host.Keepalive;
            findings.Add(new Finding(Level.Ok, "host keepalive", string.Create(CultureInfo.InvariantCulture,
                $"net.ipv4.tcp_keepalive_time is {k.Idle.TotalSeconds} s ({k.Idle}), then {k.Count} probes {k.Interval.TotalSeconds} s apart: unaided, this host finds a vanished idle peer after {k.Budget} and gives up on unacknowledged data after {SessionTable.Duration(host.RetransmitBudget)} (tcp_retries2 {host.Retries2}); Usher sets its own per listener (Keepalive), on both sockets; `usher audit --port P` shows the sessions a server holds now")));
        }

        if (HostLiveness.Sysctl("net/core/somaxconn") is { } backlog)
        {
            findings.Add(backlog >= 4096
                ? new Finding(Level.Ok, "accept queue", string.Create(CultureInfo.InvariantCulture, $"net.core.somaxconn {backlog}"))
                : new Finding(Level.Watch, "accept queue", string.Create(CultureInfo.InvariantCulture,
                    $"net.core.somaxconn {backlog}: the listen backlog of 4096 is cut to it, bursts of connects may be dropped"),
                    "sysctl -w net.core.somaxconn=4096"));
        }

        if (PortRange() is { } ports)
        {
            findings.Add(new Finding(ports < 20_000 ? Level.Watch : Level.Ok, "local ports", string.Create(CultureInfo.InvariantCulture,
                $"net.ipv4.ip_local_port_range gives {ports:N0} ports: at most that many sessions (and recent closes in TIME_WAIT) to one backend address"),
                ports < 20_000 ? "widen it: sysctl -w net.ipv4.ip_local_port_range=\"10000 65000\"" : null));
        }
    }

    private static async Task ConfigurationAsync(string path, List<Finding> findings, CancellationToken cancellationToken)
    {
        GatewaySettings settings;
        try
        {
            settings = ConfigLoader.Load(path);
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors)
            {
                findings.Add(new Finding(Level.Fix, "configuration", $"{error.Source}: {error.Key}: {error.Problem}", error.Fix));
            }

            return;
        }

        findings.Add(new Finding(Level.Ok, "configuration", $"{path}: valid, {settings.Listeners.Count} listener(s)"));
        if (settings.MaxSessions is { } max && ProcessLimits.OpenFilesLimit() is { } files && (2L * max) + ProcessLimits.OpenDescriptors() > files)
        {
            findings.Add(new Finding(Level.Fix, "MaxSessions", string.Create(CultureInfo.InvariantCulture,
                $"{max} sessions need {2L * max} descriptors, the open-files limit is {files}: sessions would fail on EMFILE instead of being refused"),
                "raise the open-files limit, or lower MaxSessions (or leave it out: Usher derives it from the limit)"));
        }

        foreach (var warning in ConfigWarnings.Of(settings))
        {
            findings.Add(new Finding(Level.Watch, warning.Key, warning.Problem, warning.Fix));
        }

        if (settings.Ledger is { Kind: LedgerKind.Redis } ledger)
        {
            await RedisLedgerAsync(ledger, findings);
        }

        foreach (var listener in settings.Listeners)
        {
            Listen(listener, findings);
            await BackendAsync(listener, findings, cancellationToken);
            Liveness(listener, findings);
            Certificate(listener, findings);
        }
    }

    private static async Task RedisLedgerAsync(LedgerSettings ledger, List<Finding> findings)
    {
        var subject = $"ledger: Redis {ledger.Configuration}";
        try
        {
            var rtt = await Usher.Redis.RedisProbe.PingAsync(ledger);
            var slow = rtt > ledger.Timeout / 2;
            findings.Add(new Finding(slow ? Level.Watch : Level.Ok, subject, string.Create(CultureInfo.InvariantCulture,
                $"answers PING in {rtt.TotalMilliseconds:0.00} ms (Timeout {ledger.Timeout.TotalMilliseconds:0} ms, node \"{ledger.Node}\", keys \"{ledger.KeyPrefix}:…\", FailMode {ledger.FailMode})"),
                slow ? "a round trip past half the Timeout makes admissions fail over to FailMode under load: raise Ledger:Timeout, or run Redis nearer" : null));
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            findings.Add(new Finding(Level.Fix, subject, $"cannot be reached: {e.Message.Split('\n')[0].TrimEnd('.')}",
                $"start Redis at that address (or correct Ledger:Configuration); until it answers, new sessions are {(ledger.FailMode == LedgerFailMode.Open ? "admitted under each node's own limits (FailMode Open)" : "refused (FailMode Closed)")}"));
        }
    }

    private static void Listen(ListenerSettings listener, List<Finding> findings)
    {
        var subject = $"{listener.Name}: listen {listener.Listen}";
        if (PortOwners.Describe(listener.Listen) is { } owner)
        {
            findings.Add(new Finding(Level.Watch, subject, $"already listened on by {owner}",
                "if that is a running usher, replace it with `usher run --take-over PID`; otherwise free the address or change Listen"));
        }
        else
        {
            findings.Add(new Finding(Level.Ok, subject, "free"));
        }
    }

    private static async Task BackendAsync(ListenerSettings listener, List<Finding> findings, CancellationToken cancellationToken)
    {
        var subject = $"{listener.Name}: backend {listener.Backend}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(listener.ConnectTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(listener.BackendHost, listener.BackendPort, timeout.Token);
            findings.Add(new Finding(Level.Ok, subject, string.Create(CultureInfo.InvariantCulture,
                $"accepts connections ({watch.Elapsed.TotalMilliseconds:0.0} ms)")));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            findings.Add(new Finding(Level.Fix, subject, $"no answer within ConnectTimeout {listener.ConnectTimeout}",
                "check that the backend runs and that no firewall drops the connection"));
        }
        catch (SocketException e)
        {
            findings.Add(new Finding(Level.Fix, subject, e.Message, "start the backend, or correct the listener's Backend key"));
        }
    }

    private static void Liveness(ListenerSettings listener, List<Finding> findings)
    {
        var subject = $"{listener.Name}: dead peers";
        var found = listener.UserTimeout > TimeSpan.Zero && listener.UserTimeout < listener.Keepalive.Budget
            ? listener.UserTimeout
            : listener.Keepalive.Budget;
        var detail = $"a vanished client or backend is found dead within {found} (Keepalive {listener.Keepalive.Idle} + " +
            $"{listener.Keepalive.Interval} × {listener.Keepalive.Count}, UserTimeout {listener.UserTimeout})";
        if (found <= TimeSpan.FromMinutes(10) || listener.OnLimit == OnLimitPolicy.ReclaimDead)
        {
            var reclaim = listener.OnLimit == OnLimitPolicy.ReclaimDead ? "; at the limit, ReclaimDead probes idle sessions at once" : "";
            findings.Add(new Finding(Level.Ok, subject, detail + reclaim));
            return;
        }

        findings.Add(new Finding(Level.Watch, subject, detail + "; until then its sessions count against the user's limit",
            "shorten Keepalive (e.g. Idle 00:01:00, Interval 00:00:10, Count 3), or set OnLimit: ReclaimDead"));
    }

    private static void Certificate(ListenerSettings listener, List<Finding> findings)
    {
        if (listener.Tls is not { } tls)
        {
            return;
        }

        var subject = $"{listener.Name}: certificate";
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key);
            var left = certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow;
            var detail = $"{certificate.Subject}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
            findings.Add(left <= TimeSpan.Zero
                ? new Finding(Level.Fix, subject, detail + ": expired", "renew the certificate, then reload")
                : left < TimeSpan.FromDays(30)
                    ? new Finding(Level.Watch, subject, string.Create(CultureInfo.InvariantCulture, $"{detail}: {left.TotalDays:0} days left"), "renew it soon")
                    : new Finding(Level.Ok, subject, detail));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(Level.Fix, subject, $"{tls.Certificate}: {e.Message}", "give Tls:Certificate and Tls:Key readable PEM files"));
        }
    }

    private static int? PortRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var low)
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var high)
                ? high - low + 1
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
