using System.Diagnostics;
using System.Net.Sockets;

namespace Usher.Testing;

/// <summary>How a bounded flood ended.</summary>
/// <param name="Sent">Bytes the kernel took from the sender.</param>
/// <param name="Stalled">Whether the sender was held back: no byte taken for the stall interval.</param>
/// <param name="Elapsed">How long the flood ran.</param>
public sealed record FloodResult(long Sent, bool Stalled, TimeSpan Elapsed);

/// <summary>Offers a bounded amount of patterned bytes to a socket without blocking: stops when all were taken, when
/// the time is up, or when the kernel has taken nothing for the stall interval (the receiver stopped reading and
/// every buffer between is full). Byte i of the stream is <c>i % 251</c>, so a reader can check it.</summary>
public static class Flood
{
    /// <summary>The byte at offset <paramref name="offset"/> of a flood.</summary>
    public static byte At(long offset) => (byte)(offset % 251);

    /// <summary>Sends until <paramref name="max"/> bytes, <paramref name="limit"/> or a stall of
    /// <paramref name="stallAfter"/>; the socket is left in its blocking mode.</summary>
    public static Task<FloodResult> SendAsync(Socket socket, long max, TimeSpan limit, TimeSpan stallAfter) => Task.Run(() =>
    {
        ArgumentNullException.ThrowIfNull(socket);
        var block = Pattern(0);
        var clock = Stopwatch.StartNew();
        var lastProgress = clock.Elapsed;
        long sent = 0;
        var blocking = socket.Blocking;
        socket.Blocking = false;
        try
        {
            while (sent < max && clock.Elapsed < limit)
            {
                var offset = (int)(sent % 251);
                var count = (int)Math.Min(block.Length - offset, max - sent);
                var n = socket.Send(block, offset, count, SocketFlags.None, out var error);
                if (n > 0)
                {
                    sent += n;
                    lastProgress = clock.Elapsed;
                    continue;
                }

                if (error != SocketError.WouldBlock)
                {
                    throw new SocketException((int)error);
                }

                if (clock.Elapsed - lastProgress >= stallAfter)
                {
                    return new FloodResult(sent, Stalled: true, clock.Elapsed);
                }

                socket.Poll(TimeSpan.FromMilliseconds(50), SelectMode.SelectWrite);
            }

            return new FloodResult(sent, Stalled: false, clock.Elapsed);
        }
        finally
        {
            socket.Blocking = blocking;
        }
    });

    /// <summary>Reads exactly <paramref name="count"/> bytes of a flood that started at offset
    /// <paramref name="from"/>, checking each; fails on a wrong byte, an early end or the deadline.</summary>
    public static async Task ReceiveAsync(Socket socket, long from, long count, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256 * 1024];
        var offset = from;
        var end = from + count;
        while (offset < end)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - offset)), SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"received {offset - from} of {count} bytes within {timeout}");
            }

            if (read == 0)
            {
                throw new InvalidOperationException($"the connection ended after {offset - from} of {count} bytes");
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != At(offset + i))
                {
                    throw new InvalidOperationException($"byte {offset + i} is {buffer[i]}, expected {At(offset + i)}");
                }
            }

            offset += read;
        }
    }

    private static byte[] Pattern(long start)
    {
        // 251 × 4 KB: any offset modulo 251 starts a run of at least 1 MB in the pattern.
        var block = new byte[251 * 4096 + 251];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = At(start + i);
        }

        return block;
    }
}
