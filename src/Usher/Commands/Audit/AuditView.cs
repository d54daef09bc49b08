using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Usher.Gateway.Audit;

namespace Usher.Cli.Commands;

/// <summary>One reading of <c>usher audit</c> as Spectre.Console renderables: a header, the remotes (and users)
/// nearest the limit, the sessions (flagged ones first) and what could not be seen. Unknown values show as "?".</summary>
internal static class AuditView
{
    /// <summary>Groups shown at most (the JSON lists all).</summary>
    private const int MaxGroups = 20;

    /// <summary>Sessions shown at most (the JSON lists all).</summary>
    private const int MaxSessions = 30;

    private const string Unknown = "?";

    public static IRenderable Render(AuditReport report, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(report);
        var suspect = report.Sessions.Count(s => s.Verdict == SessionVerdict.Suspect);
        var dead = report.Sessions.Count(s => s.Verdict == SessionVerdict.DeadByNow);
        var host = report.Policy.Host;
        var rows = new List<IRenderable>
        {
            new Markup(string.Create(CultureInfo.InvariantCulture,
                $"[bold]usher audit[/] port [bold]{report.Port}[/] ({report.Source}) at {at:HH:mm:ss}   "
                + $"[bold]{report.Sessions.Count}[/] established from [bold]{report.Remotes.Count}[/] remote(s)   "
                + $"[yellow]{suspect} suspect[/]   [red]{dead} dead-by-now[/]")),
            new Markup(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"suspect: data or probes unanswered for {SessionTable.Duration(report.Policy.SuspectAfter)}; "
                + $"dead-by-now: past this host's budget ({SessionTable.Duration(host.RetransmitBudget)} of retransmission, tcp_retries2 {host.Retries2}; "
                + $"{SessionTable.Duration(host.Keepalive.Budget)} of keepalive)"))).Overflow(Overflow.Fold),
            Groups("remotes" + (report.Limit is { } l ? $" against --limit {l}" : string.Empty), "REMOTE", report.Remotes, report.Limit),
        };
        if (report.Users.Count > 0)
        {
            rows.Add(Groups("users (from Usher's admin API)", "USER", report.Users, report.Limit));
        }

        rows.Add(Sessions(report));
        rows.AddRange(report.Unseen.Select(u => new Markup("[dim]could not see: " + Markup.Escape(u) + "[/]")));
        return new Rows(rows);
    }

    /// <summary>A timer's name as <c>ss</c> prints it.</summary>
    public static string Timer(TcpTimer timer) => timer switch
    {
        TcpTimer.Retransmit => "on",
        TcpTimer.Keepalive => "keepalive",
        TcpTimer.TimeWait => "timewait",
        TcpTimer.ZeroWindowProbe => "persist",
        _ => "off",
    };

    private static Table Groups(string title, string key, IReadOnlyList<AuditGroup> groups, int? limit)
    {
        var table = new Table().Border(TableBorder.Simple).Title($"[bold]{Markup.Escape(title)}[/]")
            .AddColumns(key, "SESSIONS", "LIVE", "SUSPECT", "DEAD-BY-NOW", "MAX IDLE", "UNACKED", "RETRANS", "PROBES");
        if (limit is not null)
        {
            table.AddColumns("HEADROOM", string.Empty);
        }

        Right(table, 1, 8);
        foreach (var g in groups.Take(MaxGroups))
        {
            var cells = new List<IRenderable>
            {
                new Text(g.Key), Number(g.Count), Number(g.Live), Flag(g.Suspect, "yellow"), Flag(g.DeadByNow, "red"),
                new Text(g.MaxIdle is { } idle ? SessionTable.Duration(idle) : Unknown), new Text(SessionTable.Bytes(g.UnackedBytes)),
                Number(g.Retransmits), new Text(g.Probes?.ToString(CultureInfo.InvariantCulture) ?? Unknown),
            };
            if (limit is { } l)
            {
                cells.Add(Number(g.Headroom!.Value));
                cells.Add(TopView.Bar(g.Count, l));
            }

            table.AddRow(cells);
        }

        if (groups.Count > MaxGroups)
        {
            table.Caption($"{groups.Count - MaxGroups} more (--json lists all)");
        }

        return table;
    }

    private static Table Sessions(AuditReport report)
    {
        var table = new Table().Border(TableBorder.Simple).Title("[bold]sessions[/] (flagged first)")
            .AddColumns("REMOTE", "USER", "VERDICT", "IDLE", "SILENT", "UNACKED", "SEGS", "NOT SENT", "RETRANS", "TIMER", "PROBES");
        Right(table, 3, 8);
        table.Columns[10].RightAligned();
        var ordered = report.Sessions.OrderByDescending(s => s.Verdict).ToList();
        foreach (var s in ordered.Take(MaxSessions))
        {
            var e = s.Entry;
            table.AddRow(
                new Text(e.Remote.ToString()),
                new Text(s.User ?? "-"),
                Verdict(s.Verdict),
                new Text(s.Idle is { } idle ? SessionTable.Duration(idle) : Unknown),
                new Text(s.Silence is { } silent ? (s.SilenceAtLeast ? "≥" : string.Empty) + SessionTable.Duration(silent) : Unknown),
                new Text(SessionTable.Bytes(e.UnackedBytes)),
                new Text(e.Info?.Unacked.ToString(CultureInfo.InvariantCulture) ?? Unknown),
                new Text(e.Info?.NotSentBytes is { } notSent ? SessionTable.Bytes(notSent) : Unknown),
                Number(e.Retransmits),
                new Text(string.Create(CultureInfo.InvariantCulture, $"{Timer(e.Timer)} {SessionTable.Duration(TimeSpan.FromMilliseconds(e.TimerExpiresMs))}")),
                new Text(e.Probes?.ToString(CultureInfo.InvariantCulture) ?? Unknown));
        }

        if (ordered.Count > MaxSessions)
        {
            table.Caption($"{ordered.Count - MaxSessions} more (--json lists all)");
        }

        return table;
    }

    private static void Right(Table table, int from, int to)
    {
        foreach (var column in table.Columns)
        {
            column.NoWrap();
        }

        for (var i = from; i <= to; i++)
        {
            table.Columns[i].RightAligned();
        }
    }

    private static Markup Verdict(SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Suspect => new Markup("[yellow]suspect[/]"),
        SessionVerdict.DeadByNow => new Markup("[red]dead-by-now[/]"),
        _ => new Markup("ok"),
    };

    private static Markup Flag(int count, string colour) =>
        count == 0 ? new Markup("0") : new Markup($"[{colour}]{count.ToString(CultureInfo.InvariantCulture)}[/]");

    private static Text Number(long value) => new(value.ToString(CultureInfo.InvariantCulture));
}
