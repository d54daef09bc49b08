using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Usher.Testing;

namespace Usher.EndToEnd.Tests;

/// <summary>Ports for the real servers the tests start (mosquitto, HAProxy): one that is free when picked, and a
/// wait until the server listens on it, read from the kernel's socket table so that no test connection disturbs the
/// server (an HAProxy probed by a connect would pass a session on to the gateway).</summary>
internal static class LocalPorts
{
    /// <summary>A TCP port on <paramref name="address"/> that nothing listens on now. Another process may take it
    /// before the server binds it: callers start the server again on another port when it fails to bind.</summary>
    public static int Free(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Waits until a socket listens on <paramref name="endPoint"/> (IPv4, or a wildcard address).</summary>
    /// <returns><c>true</c> once it listens; <c>false</c> when <paramref name="server"/> ended first (its port was
    /// taken, most likely).</returns>
    /// <exception cref="TimeoutException">Nothing listens within <paramref name="timeout"/>.</exception>
    public static async Task<bool> WaitUntilListeningAsync(IPEndPoint endPoint, RunningProcess server, TimeSpan timeout)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!IsListening(endPoint))
        {
            if (server.HasExited)
            {
                return false;
            }

            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"nothing listens on {endPoint} after {timeout}.{Environment.NewLine}{server.Describe()}");
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Whether /proc/net/tcp has a listening socket (state 0A) on the address and port.</summary>
    public static bool IsListening(IPEndPoint endPoint)
    {
        var bytes = endPoint.Address.GetAddressBytes();

        // The kernel prints the address as one 32-bit word in host (little-endian) order, the port in hex.
        var address = string.Concat(bytes.Reverse().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        var port = endPoint.Port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && fields[3] == "0A"
                && (fields[1] == $"{address}:{port}" || fields[1] == $"00000000:{port}"))
            {
                return true;
            }
        }

        return false;
    }
}
