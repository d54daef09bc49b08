using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Usher.Testing;

/// <summary>Makes a listening socket unresponsive the way an overloaded backend is: its accept queue is filled, so
/// the kernel drops new SYNs and a connect neither succeeds nor is refused.</summary>
public static class AcceptQueue
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Connects to <paramref name="listener"/> (a socket listening on IPv4 with <paramref name="backlog"/>,
    /// small, that nobody accepts on) until the kernel says its accept queue is full; returns the connections in the
    /// queue.</summary>
    /// <remarks>Fullness is read from the kernel (/proc/net/tcp: a listener's rx_queue is its accept queue, full once
    /// past the backlog), never guessed from a connect that seems slow: on a busy machine a connect that completed may
    /// be seen late, and a queue taken for full would not be.</remarks>
    public static async Task<List<Socket>> FillAsync(IPEndPoint listener, int backlog = 1)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var fillers = new List<Socket>();
        try
        {
            while (true)
            {
                var queued = await QueuedAsync(listener, fillers.Count);
                if (queued > backlog)
                {
                    return fillers;
                }

                if (fillers.Count >= 64)
                {
                    throw new InvalidOperationException($"the accept queue of {listener} did not fill: is its backlog small?");
                }

                // Not full: the kernel completes this handshake at once.
                var s = new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(s);
                using var cts = new CancellationTokenSource(Patience);
                await s.ConnectAsync(listener, cts.Token);
            }
        }
        catch
        {
            fillers.ForEach(f => f.Dispose());
            throw;
        }
    }

    /// <summary>The listener's accept queue length, once it holds <paramref name="expected"/>.</summary>
    private static async Task<int> QueuedAsync(IPEndPoint listener, int expected)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var queued = Read(listener);
            if (queued >= expected || waited.Elapsed > Patience)
            {
                return queued;
            }

            await Task.Delay(10);
        }
    }

    private static int Read(IPEndPoint listener)
    {
        var bytes = listener.Address.GetAddressBytes();
        if (bytes.Length != 4)
        {
            throw new NotSupportedException("an IPv4 listener");
        }

        var local = string.Create(CultureInfo.InvariantCulture, $"{BitConverter.ToUInt32(bytes):X8}:{listener.Port:X4}");
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...; a listener's rx_queue is its accept queue.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == local && fields[3] == "0A")
            {
                return int.Parse(fields[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no listening socket on {listener} in /proc/net/tcp");
    }
}
