using System.Buffers;
using System.Net.Sockets;
using Usher.Gateway.Sockets;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>Copies one direction of a session. An idle direction holds no buffer: it waits with a zero-byte read
/// and rents a buffer only when data is there, giving it back as soon as the source is drained. Reads and writes
/// use the sockets' cached awaitables, so a relay allocates nothing per read.</summary>
internal static class Relay
{
    /// <summary>Size of the buffers rented while data flows.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>Runs one direction until it stops, then tells the session why.</summary>
    public static async ValueTask RunAsync(ProxySession session, Socket source, Socket destination, bool fromClient)
    {
        var result = await CopyAsync(source, destination, session.Record, fromClient).ConfigureAwait(false);
        session.OnRelayEnded(result, fromClient);
    }

    private static async ValueTask<RelayResult> CopyAsync(Socket source, Socket destination, SessionRecord record, bool fromClient)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    if (buffer is null)
                    {
                        // Wait for data without holding memory.
                        await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    }

                    read = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    return e.SocketErrorCode == SocketError.OperationAborted
                        ? RelayResult.Aborted
                        : new RelayResult(RelayStop.Source, PeerEndClassifier.FromError(e.SocketErrorCode, source), e.SocketErrorCode);
                }
                catch (ObjectDisposedException)
                {
                    return RelayResult.Aborted;
                }

                if (read == 0)
                {
                    return new RelayResult(RelayStop.Source, PeerEndClassifier.AfterZeroRead(source), SocketError.Success);
                }

                record.AddBytes(fromClient, read, Environment.TickCount64);
                try
                {
                    await destination.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    return e.SocketErrorCode == SocketError.OperationAborted
                        ? RelayResult.Aborted
                        : new RelayResult(RelayStop.Destination, PeerEndClassifier.FromError(e.SocketErrorCode, destination), e.SocketErrorCode);
                }
                catch (ObjectDisposedException)
                {
                    return RelayResult.Aborted;
                }

                if (read < buffer.Length)
                {
                    // Drained: go back to waiting without a buffer.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
