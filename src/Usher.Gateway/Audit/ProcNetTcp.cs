using System.Globalization;
using System.Net;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Audit;

/// <summary>/proc/net/tcp and /proc/net/tcp6: the kernel's socket table as text, readable by anyone. It has the
/// queues, the timer, its retransmission or probe count and the owner, but no <c>tcp_info</c> (no idle time, no
/// unacknowledged segment count, nothing on what was not sent yet).</summary>
internal static class ProcNetTcp
{
    /// <summary>The tables, IPv4 then IPv6.</summary>
    public static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>USER_HZ: /proc/net/tcp counts timer ticks of 10 ms.</summary>
    private const int MillisecondsPerTick = 10;

    /// <summary>Every socket of both tables, once (a table that cannot be read is left out and named in
    /// <paramref name="unreadable"/>). The kernel writes a table a page at a time and walks its hash table afresh for
    /// each page, so a socket may appear twice when others open or close meanwhile: one entry per address pair is
    /// kept, the last read.</summary>
    public static List<TcpSocketEntry> Read(List<string> unreadable)
    {
        var entries = new Dictionary<(IPEndPoint Local, IPEndPoint Remote), TcpSocketEntry>();
        foreach (var table in Tables)
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    if (Parse(line) is { } entry)
                    {
                        entries[(entry.Local, entry.Remote)] = entry;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add($"{table}: {e.Message}");
            }
        }

        return [.. entries.Values];
    }

    /// <summary>One line of the table; <c>null</c> for the header or a line that does not parse.</summary>
    public static TcpSocketEntry? Parse(string line)
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 10
            || Endpoint(f[1]) is not { } local
            || Endpoint(f[2]) is not { } remote
            || !byte.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var state)
            || Pair(f[4]) is not (var send, var receive)
            || Pair(f[5]) is not (var timer, var ticks)
            || !int.TryParse(f[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var retransmits)
            || !long.TryParse(f[7], CultureInfo.InvariantCulture, out var uid)
            || !int.TryParse(f[8], CultureInfo.InvariantCulture, out var probes)
            || !long.TryParse(f[9], CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }

        var kind = (TcpTimer)timer;

        // The retransmit count column is the RTO count; the keepalive and zero-window timers count probes in the
        // next column, which sock_diag reports as the timer's own count.
        var timerCount = kind is TcpTimer.Keepalive or TcpTimer.ZeroWindowProbe ? probes : retransmits;
        return new TcpSocketEntry(local, remote, (TcpState)state, kind, ticks * MillisecondsPerTick, timerCount,
            receive, send, uid, inode, null);
    }

    /// <summary>"ADDRESS:PORT" in the kernel's hex.</summary>
    internal static IPEndPoint? Endpoint(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
            && PortOwners.Address(text[..colon]) is { } address
            ? new IPEndPoint(SockDiagMessages.Normal(address), port)
            : null;
    }

    private static (long, long)? Pair(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && long.TryParse(text.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b)
            ? (a, b)
            : null;
    }
}
