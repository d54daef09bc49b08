using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Usher.Gateway.Sockets;

/// <summary>Listening TCP sockets of the whole machine, from /proc/net/tcp and /proc/net/tcp6. Every Usher listening
/// socket sets SO_REUSEPORT (one per event loop), so a second Usher started on the same address would bind beside the
/// first and silently share its connections; a listener looks here first and refuses to start instead.</summary>
internal static class PortOwners
{
    private const string Listen = "0A";

    /// <summary>A socket already listening where <paramref name="endpoint"/> would, and the process holding it when
    /// it can be found; <c>null</c> when the address is free.</summary>
    public static string? Describe(IPEndPoint endpoint)
    {
        if (endpoint.Port == 0)
        {
            return null;
        }

        foreach (var (address, port, inode) in Listening())
        {
            if (port == endpoint.Port && Overlaps(address, endpoint.Address))
            {
                var owner = Owner(inode);
                return owner is null ? $"{address}:{port}" : $"{address}:{port} (process {owner})";
            }
        }

        return null;
    }

    /// <summary>Whether two listening addresses on one port take the same connections.</summary>
    internal static bool Overlaps(IPAddress a, IPAddress b)
    {
        a = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
        b = b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b;
        if (a.Equals(b))
        {
            return true;
        }

        static bool Any(IPAddress x) => x.Equals(IPAddress.Any) || x.Equals(IPAddress.IPv6Any);
        if (a.AddressFamily == b.AddressFamily)
        {
            return Any(a) || Any(b);
        }

        // A dual-stack "::" takes IPv4 connections too.
        return a.Equals(IPAddress.IPv6Any) || b.Equals(IPAddress.IPv6Any);
    }

    private static IEnumerable<(IPAddress Address, int Port, string Inode)> Listening() =>
        Usher.Gateway.Audit.ProcNetTcp.Read([])
            .Where(e => e.State == TcpState.Listen)
            .Select(e => (e.Local.Address, e.Local.Port, e.Inode.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The kernel prints each 32-bit word of the address in host order (little-endian here).</summary>
    internal static IPAddress? Address(string hex)
    {
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }

        if (BitConverter.IsLittleEndian)
        {
            for (var word = 0; word < bytes.Length; word += 4)
            {
                Array.Reverse(bytes, word, 4);
            }
        }

        return new IPAddress(bytes);
    }

    /// <summary>"PID (name)" of the process holding socket <paramref name="inode"/>, if this process may look.</summary>
    private static string? Owner(string inode)
    {
        var target = $"socket:[{inode}]";
        try
        {
            foreach (var process in Directory.EnumerateDirectories("/proc"))
            {
                var pid = Path.GetFileName(process);
                if (!int.TryParse(pid, out _))
                {
                    continue;
                }

                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget == target)
                        {
                            var name = File.ReadAllText(Path.Combine(process, "comm")).Trim();
                            return $"{pid} {name}";
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
