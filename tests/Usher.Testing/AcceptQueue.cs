using System.Net;
using System.Net.Sockets;

namespace Usher.Testing;

/// <summary>Makes a listening socket unresponsive the way an overloaded backend is: its accept queue is filled, so
/// the kernel drops new SYNs and a connect neither succeeds nor is refused.</summary>
public static class AcceptQueue
{
    /// <summary>Connects to <paramref name="listener"/> (a socket listening with a small backlog that nobody
    /// accepts on) until a connect hangs; returns the connections that got into the queue.</summary>
    public static async Task<List<Socket>> FillAsync(IPEndPoint listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var fillers = new List<Socket>();
        while (true)
        {
            if (fillers.Count >= 64)
            {
                fillers.ForEach(f => f.Dispose());
                throw new InvalidOperationException($"the accept queue of {listener} did not fill: is its backlog small?");
            }

            var s = new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await s.ConnectAsync(listener, cts.Token);
                fillers.Add(s);
            }
            catch (OperationCanceledException)
            {
                s.Dispose();
                return fillers;
            }
        }
    }
}
