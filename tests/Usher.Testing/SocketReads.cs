using System.Net.Sockets;

namespace Usher.Testing;

/// <summary>Reading a socket to a count of bytes.</summary>
public static class SocketReads
{
    /// <summary>Reads exactly <paramref name="count"/> bytes; fails when the connection ends first.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"the connection closed after {filled} of {count} bytes");
            }

            filled += read;
        }

        return buffer;
    }
}
