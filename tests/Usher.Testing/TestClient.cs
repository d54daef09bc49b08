using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usher.Testing;

/// <summary>A plain TCP client for tests, bound to a chosen local address (127.0.0.x counts as its own identity).</summary>
public sealed class TestClient : IDisposable
{
    private TestClient(Socket socket) => Socket = socket;

    /// <summary>The client's socket.</summary>
    public Socket Socket { get; }

    /// <summary>Connects from <paramref name="from"/> (default 127.0.0.1) to <paramref name="to"/>.</summary>
    public static async Task<TestClient> ConnectAsync(IPEndPoint to, string? from = null)
    {
        var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }

        await socket.ConnectAsync(to);
        return new TestClient(socket);
    }

    /// <summary>Reads what arrives within <paramref name="timeout"/>: the text, or <c>null</c> when the gateway
    /// closed the connection (or reset it) without data.</summary>
    public async Task<string?> ReadAsync(TimeSpan? timeout = null)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var read = await Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return read == 0 ? null : Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Sends text.</summary>
    public async Task SendAsync(string text) => await Socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Whether the gateway admitted the session: the backend's greeting arrives.</summary>
    public async Task<bool> IsAdmittedAsync() => (await ReadAsync())?.StartsWith("hello", StringComparison.Ordinal) == true;

    /// <inheritdoc />
    public void Dispose() => Socket.Dispose();
}
