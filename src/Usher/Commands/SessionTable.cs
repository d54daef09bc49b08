using System.Globalization;
using System.Text;
using Usher.Admin.Api;

namespace Usher.Cli.Commands;

/// <summary>Sessions as a table for people, one line each, columns padded to their widest value.</summary>
internal static class SessionTable
{
    private static readonly string[] Header =
        ["ID", "LISTENER", "IDENTITY", "CLIENT", "BACKEND", "AGE", "IDLE", "IN", "OUT", "RCVD", "UNACKED", "PROBES", "LIVENESS"];

    /// <summary>Columns whose values are numbers, aligned right.</summary>
    private static readonly bool[] Right = [true, false, false, false, false, true, true, true, true, true, true, true, false];

    /// <summary>The table; with a NODE column first when the sessions come from a cluster (a Redis ledger).</summary>
    public static string Render(IReadOnlyList<SessionView> sessions, DateTimeOffset now)
    {
        var cluster = sessions.Any(s => s.Node is not null);
        var header = cluster ? ["NODE", .. Header] : Header;
        var right = cluster ? [false, .. Right] : Right;
        var rows = new List<string[]> { header };
        rows.AddRange(sessions.Select(s => (cluster ? [s.Node ?? "-"] : Array.Empty<string>()).Concat(new[]
        {
            s.Id.ToString(CultureInfo.InvariantCulture),
            s.Listener,
            s.Identity.Value,
            s.Client,
            s.Backend ?? "(connecting)",
            Duration(now - s.StartedAt),
            Duration(TimeSpan.FromSeconds(s.IdleSeconds)),
            Bytes(s.BytesFromClient),
            Bytes(s.BytesFromBackend),
            s.Liveness is { } live ? Duration(TimeSpan.FromSeconds(live.LastDataReceivedSeconds)) : "-",
            s.Liveness?.UnackedBytes is { } unacked ? Bytes(unacked) : "-",
            s.Liveness is { } probed ? probed.Probes.ToString(CultureInfo.InvariantCulture) : "-",
            Mark(s),
        }).ToArray()));
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, c) => right[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            text.AppendLine(string.Join("  ", cells).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary><c>suspect: why</c>, <c>probing</c>, <c>ok</c>, or <c>-</c> when no TCP_INFO was read.</summary>
    private static string Mark(SessionView s) => s.State == "probing" ? "probing"
        : s.Liveness is not { } live ? "-"
        : live.Suspect ? $"suspect: {live.Reason}"
        : "ok";

    /// <summary>A duration in its two largest units: 45s, 12m05s, 3h07m, 2d04h.</summary>
    internal static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds < 60 ? $"{(int)d.TotalSeconds}s"
            : d.TotalMinutes < 60 ? $"{(int)d.TotalMinutes}m{d.Seconds:00}s"
            : d.TotalHours < 24 ? $"{(int)d.TotalHours}h{d.Minutes:00}m"
            : $"{(int)d.TotalDays}d{d.Hours:00}h";
    }

    /// <summary>A byte count in binary units: 512 B, 1.5 KiB, 12.0 MiB.</summary>
    internal static string Bytes(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return $"{bytes} B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
