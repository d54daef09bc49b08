using System.Buffers.Binary;
using System.Text;

namespace Usher.Testing;

/// <summary>Raw PostgreSQL protocol messages for tests that speak as a client would without a driver.</summary>
public static class PostgresWire
{
    /// <summary>A 16-byte CancelRequest (protocol 3.0) for a backend process id and secret key.</summary>
    public static byte[] CancelRequest(int processId = 4242, int secretKey = 77)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 16);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 80877102);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), processId);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), secretKey);
        return bytes;
    }

    /// <summary>A protocol 3.0 StartupMessage naming <paramref name="user"/> (the database defaults to it).</summary>
    public static byte[] StartupMessage(string user)
    {
        var body = Encoding.UTF8.GetBytes($"user\0{user}\0\0");
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 196608);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>Reads until the connection ends (a reset counts as the end) and returns how many bytes came.</summary>
    public static async Task<int> ReadToEndAsync(System.Net.Sockets.Socket socket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var total = 0;
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, cancellationToken) is > 0 and var read)
            {
                total += read;
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        return total;
    }
}
