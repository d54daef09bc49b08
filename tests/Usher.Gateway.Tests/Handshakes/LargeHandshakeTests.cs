using System.Net.Sockets;
using System.Text;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.Gateway.Tests.Handshakes;

/// <summary>A session starts with a small handshake buffer that grows as a handshake needs it, up to 16 KB: a large
/// handshake is read whole and replayed to the backend unchanged; a larger one is rejected.</summary>
public sealed class LargeHandshakeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_12_KB_request_head_sent_in_small_pieces_is_read_whole_counted_by_its_header_and_replayed_unchanged()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(HttpListener(backend));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);
        var request = Request(12 * 1024);

        // In pieces of 700 bytes, so the buffer grows while the head is still incomplete.
        for (var offset = 0; offset < request.Length; offset += 700)
        {
            await client.Socket.SendAsync(request.AsMemory(offset, Math.Min(700, request.Length - offset)), SocketFlags.None);
            await Task.Delay(5);
        }

        var echoed = await ReceiveAsync(client.Socket, "hello 1\n".Length + request.Length);
        Assert.Equal("hello 1\n" + Encoding.ASCII.GetString(request), echoed);
        var opened = await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, Wait);
        Assert.Equal("alice", opened["Identity"]);
    }

    [Fact]
    public async Task A_request_head_past_16_KB_is_rejected_and_nothing_is_counted()
    {
        await using var backend = new SessionServer();
        await using var gateway = TestGateway.Start(HttpListener(backend));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);

        await client.Socket.SendAsync(Request(17 * 1024), SocketFlags.None);

        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, Wait);
        Assert.Contains("16 KB", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, backend.Open);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    private static ListenerSettings HttpListener(SessionServer backend) => new()
    {
        Name = "http",
        Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
        BackendHost = backend.EndPoint.Address.ToString(),
        BackendPort = backend.EndPoint.Port,
        Identity = IdentityKind.HttpHeader,
        IdentityArgument = "X-User",
        UserTimeout = KeepaliveSettings.Default.Budget,
    };

    /// <summary>A request head of about <paramref name="size"/> bytes: padding headers, then X-User.</summary>
    private static byte[] Request(int size)
    {
        var head = new StringBuilder("GET / HTTP/1.1\r\nHost: example\r\n");
        for (var i = 0; head.Length < size - 40; i++)
        {
            head.Append(System.Globalization.CultureInfo.InvariantCulture, $"X-Pad-{i:D4}: {new string('p', 80)}\r\n");
        }

        head.Append("X-User: alice\r\n\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private static async Task<string> ReceiveAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Wait);
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cts.Token);
            Assert.True(read > 0, $"the connection closed after {filled} of {count} bytes");
            filled += read;
        }

        return Encoding.ASCII.GetString(buffer);
    }
}
