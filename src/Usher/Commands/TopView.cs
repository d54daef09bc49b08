using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary>One frame of <c>usher top</c> as Spectre.Console renderables: a header line, the listeners, the busiest
/// identities with a bar of their sessions against their limit (yellow from 80 %, red at the limit).</summary>
internal static class TopView
{
    /// <summary>Identities shown at most.</summary>
    private const int MaxIdentities = 20;

    private const int BarWidth = 20;

    /// <param name="frame">What to show.</param>
    /// <param name="previous">The frame before, for refusals per second; <c>null</c> for the first.</param>
    /// <param name="problem">Why the frame is stale, when the last read failed.</param>
    public static IRenderable Render(TopFrame frame, TopFrame? previous, string? problem)
    {
        var status = frame.Status;
        var rate = previous is null ? null : RatePerSecond(status.Refused - previous.Status.Refused, frame.ReadAt - previous.ReadAt);
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]Usher[/] {Markup.Escape(status.Version.Split('+')[0])}   up [bold]{SessionTable.Duration(TimeSpan.FromSeconds(status.UptimeSeconds))}[/]   "
            + $"sessions [bold]{status.Ledger.Total}[/] / {status.Ledger.Capacity}   "
            + $"refused [bold]{status.Refused}[/]{(rate is null ? string.Empty : $" ({rate:0.0}/s)")}"));

        var listeners = new Table().Border(TableBorder.Simple).Title("[bold]listeners[/]")
            .AddColumns("LISTENER", "LISTEN", "BACKEND", "OPEN", "PER IDENTITY", "ONLIMIT", "REFUSED");
        foreach (var column in listeners.Columns)
        {
            column.NoWrap();
        }

        foreach (var column in new[] { 3, 4, 6 })
        {
            listeners.Columns[column].RightAligned();
        }

        foreach (var l in status.Listeners)
        {
            listeners.AddRow(Text(l.Name), Text(l.Listen), Text(l.Backend), Number(l.Open), Number(l.MaxSessionsPerIdentity), Text(l.OnLimit),
                Number(l.Refused));
        }

        var identities = new Table().Border(TableBorder.Simple).Title("[bold]top identities[/]")
            .AddColumns("LISTENER", "IDENTITY", "OPEN", "LIMIT", string.Empty);
        foreach (var column in identities.Columns)
        {
            column.NoWrap();
        }

        identities.Columns[2].RightAligned();
        identities.Columns[3].RightAligned();
        foreach (var c in frame.Identities.Take(MaxIdentities))
        {
            identities.AddRow(Text(c.Listener), Text(c.Identity), Number(c.Open), new Text(c.Limit.ToString(CultureInfo.InvariantCulture) + (c.Override ? "*" : string.Empty)),
                Bar(c.Open, c.Limit));
        }

        var parts = new List<IRenderable> { header, listeners };
        parts.Add(frame.Identities.Count == 0 ? new Markup("[dim]no open session[/]") : identities);
        if (frame.Identities.Count > MaxIdentities)
        {
            parts.Add(new Markup($"[dim]… and {frame.Identities.Count - MaxIdentities} more (usher sessions lists them all)[/]"));
        }

        if (problem is not null)
        {
            parts.Add(new Markup("[red]" + Markup.Escape(problem) + "[/]"));
        }

        return new Rows(parts);
    }

    /// <summary>Refusals per second between two reads; <c>null</c> without elapsed time.</summary>
    internal static double? RatePerSecond(long refused, long elapsedMs) =>
        elapsedMs <= 0 ? null : Math.Max(0, refused) * 1000.0 / elapsedMs;

    private static Text Text(string value) => new(value);

    private static Text Number(long value) => new(value.ToString(CultureInfo.InvariantCulture));

    internal static Markup Bar(int open, int limit)
    {
        var share = limit <= 0 ? 1.0 : Math.Min(1.0, (double)open / limit);
        var filled = (int)Math.Round(share * BarWidth);
        var colour = share >= 1.0 ? "red" : share >= 0.8 ? "yellow" : "green";
        return new Markup($"[{colour}]{new string('█', filled)}[/][dim]{new string('░', BarWidth - filled)}[/]");
    }
}
