using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Usher.Gateway.Audit;
using Usher.Gateway.Sockets;

namespace Usher.Cli.Commands;

/// <summary><c>usher audit --port P</c>: the established TCP sessions on local port P of this host, Usher running or
/// not, grouped by remote address (and by user when P is one of Usher's listeners and <c>--config</c> leads to its
/// admin API), each judged <c>ok</c>, <c>suspect</c> or <c>dead-by-now</c> from the kernel's socket diagnostics.
/// <c>--json</c> for scripts, <c>--watch</c> to redraw every second until Ctrl-C. Exit 0 whatever it finds; 1 when it
/// could not read the sockets at all.</summary>
internal static class AuditCommand
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Columns a table may use when it goes to a file or a pipe.</summary>
    private const int RedirectedWidth = 200;

    public static Command Create()
    {
        var port = new Option<int>("--port", "-p")
        {
            Description = "The local TCP port to audit (a server's, or an Usher listener's).",
            Required = true,
            CustomParser = r => ArgumentParsers.Whole(r, 1, 65535, "--port must be a TCP port, 1 to 65535, e.g. --port 5432"),
        };
        var limit = new Option<int?>("--limit")
        {
            Description = "A session limit per remote (or user) to hold them against, e.g. the MaxSessionsPerIdentity you consider.",
            CustomParser = r => ArgumentParsers.Whole(r, 1, int.MaxValue, "--limit must be a whole number, 1 or more, e.g. --limit 32"),
        };
        var suspectAfter = new Option<TimeSpan>("--suspect-after")
        {
            Description = "How long data or keepalive probes may go unanswered before a session is suspect (hh:mm:ss).",
            DefaultValueFactory = _ => AuditPolicy.DefaultSuspectAfter,
            CustomParser = r =>
            {
                if (TimeSpan.TryParse(r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero)
                {
                    return value;
                }

                r.AddError("--suspect-after must be a positive duration as hours:minutes:seconds, e.g. 00:00:10");
                return default;
            },
        };
        var source = new Option<AuditSource>("--source")
        {
            Description = "Where to read the sockets: Auto (sock_diag, /proc/net/tcp where netlink is refused), Netlink or Proc.",
            DefaultValueFactory = _ => AuditSource.Auto,
        };
        var config = new Option<string?>("--config", "-c") { Description = "Usher's configuration: when the port is one of its listeners, ask its admin API who each session belongs to." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables (with --watch: one object per line, every second)." };
        var watch = new Option<bool>("--watch") { Description = "Read again and redraw every second, until Ctrl-C." };
        var command = new Command("audit", "List the established TCP sessions on a local port, grouped by remote, and flag those whose peer has vanished.")
        {
            port, limit, suspectAfter, source, config, json, watch,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new Settings(parse.GetValue(port), parse.GetValue(limit), parse.GetValue(suspectAfter), parse.GetValue(source), parse.GetValue(config));
            var asJson = parse.GetValue(json);
            try
            {
                if (!parse.GetValue(watch))
                {
                    Write(await ReadAsync(options, cancellationToken), asJson, compact: false);
                    return 0;
                }

                await WatchAsync(options, asJson, cancellationToken);
                return 0;
            }
            catch (SockDiagException e)
            {
                await Console.Error.WriteLineAsync($"usher: cannot read the sockets: {e.Message}. Fix: use --source Auto or Proc to read /proc/net/tcp instead");
                return 1;
            }
        });
        return command;
    }

    internal sealed record Settings(int Port, int? Limit, TimeSpan SuspectAfter, AuditSource Source, string? Config);

    /// <summary>One reading: the host's budget, the sockets, the users.</summary>
    internal static async Task<AuditReport> ReadAsync(Settings s, CancellationToken cancellationToken)
    {
        var unseen = new List<string>();
        var policy = new AuditPolicy(s.SuspectAfter, HostLiveness.Read(unseen));
        var (entries, source) = SocketTable.Read(s.Source, unseen);
        var users = await AuditUsers.ReadAsync(s.Config, s.Port, unseen, cancellationToken);
        return AuditReport.Build(entries, s.Port, source, policy, s.Limit, users, unseen);
    }

    private static void Write(AuditReport report, bool json, bool compact)
    {
        if (json)
        {
            var options = new JsonSerializerOptions(AuditJson.Default.Options) { WriteIndented = !compact };
            Console.Out.WriteLine(JsonSerializer.Serialize(AuditOutput.From(report), new AuditJson(options).AuditOutput));
            Console.Out.Flush();
            return;
        }

        if (Console.IsOutputRedirected)
        {
            // Into a file or a pipe: one line per row, however long, rather than 80 columns wrapped.
            AnsiConsole.Profile.Width = RedirectedWidth;
        }

        AnsiConsole.Write(AuditView.Render(report, DateTimeOffset.Now));
    }

    private static async Task WatchAsync(Settings s, bool json, CancellationToken cancellationToken)
    {
        using var stop = new CtrlC(cancellationToken);
        try
        {
            var first = await ReadAsync(s, stop.Token);
            if (json || Console.IsOutputRedirected)
            {
                // For scripts: a reading per second, one after the other (JSON: one object per line).
                Write(first, json, compact: true);
                using var timer = new PeriodicTimer(Interval);
                while (await Tick(timer, stop.Token))
                {
                    Write(await ReadAsync(s, stop.Token), json, compact: true);
                }

                return;
            }

            await AnsiConsole.Live(AuditView.Render(first, DateTimeOffset.Now)).StartAsync(async live =>
            {
                using var timer = new PeriodicTimer(Interval);
                while (await Tick(timer, stop.Token))
                {
                    live.UpdateTarget(AuditView.Render(await ReadAsync(s, stop.Token), DateTimeOffset.Now));
                    live.Refresh();
                }
            });
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
