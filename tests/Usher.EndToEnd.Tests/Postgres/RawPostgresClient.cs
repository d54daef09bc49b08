using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.EndToEnd.Tests.Postgres;

/// <summary>A PostgreSQL client that says only what a test tells it: a StartupMessage naming a role (a claim, with
/// no password behind it), then, if asked, a cleartext PasswordMessage; it reads the messages that come back.</summary>
internal sealed class RawPostgresClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawPostgresClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to <paramref name="endPoint"/> and sends a StartupMessage for <paramref name="user"/>.</summary>
    public static async Task<RawPostgresClient> StartAsync(IPEndPoint endPoint, string user)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        var client = new RawPostgresClient(socket);
        var parameters = Encoding.UTF8.GetBytes($"user\0{user}\0database\0postgres\0\0");
        var startup = new byte[8 + parameters.Length];
        BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
        BinaryPrimitives.WriteInt32BigEndian(startup.AsSpan(4), 3 << 16);
        parameters.CopyTo(startup, 8);
        await client._stream.WriteAsync(startup);
        return client;
    }

    /// <summary>Sends a PasswordMessage ('p') with <paramref name="password"/> in clear.</summary>
    public async Task SendPasswordAsync(string password)
    {
        var text = Encoding.UTF8.GetBytes(password + "\0");
        var message = new byte[5 + text.Length];
        message[0] = (byte)'p';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + text.Length);
        text.CopyTo(message, 5);
        await _stream.WriteAsync(message);
    }

    /// <summary>The next message: its type and body; type '\0' when the connection ended first.</summary>
    public async Task<(char Type, byte[] Body)> ReadAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = new byte[5];
        if (!await FillAsync(header, cancel.Token))
        {
            return ('\0', []);
        }

        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        return await FillAsync(body, cancel.Token) ? ((char)header[0], body) : ('\0', []);
    }

    /// <summary>The authentication request code of an 'R' message.</summary>
    public static int Code((char Type, byte[] Body) message) =>
        message.Type == 'R' ? BinaryPrimitives.ReadInt32BigEndian(message.Body) : -1;

    /// <summary>The text of an ErrorResponse's fields, for assertions.</summary>
    public static string Text((char Type, byte[] Body) message) => Encoding.UTF8.GetString(message.Body).Replace('\0', '|');

    /// <summary>Whether the other side closed the connection within <paramref name="timeout"/> (messages before the
    /// end are read and dropped).</summary>
    public async Task<bool> EndsWithinAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[512];
        try
        {
            while (await _stream.ReadAsync(buffer, cancel.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken cancel)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await _stream.ReadAsync(buffer.AsMemory(filled), cancel);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }
}
