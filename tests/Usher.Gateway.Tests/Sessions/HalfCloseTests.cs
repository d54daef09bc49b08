using System.Net;
using System.Net.Sockets;
using System.Text;
using Usher.Diagnostics;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.Gateway.Tests.Sessions;

/// <summary>A client that half-closes after its request (<c>nc -N</c>, RPC clients) still gets the answer: its FIN is
/// passed on to the backend, which answers and closes, and only then does the session end.</summary>
public sealed class HalfCloseTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_that_half_closes_after_its_request_gets_the_answer_the_backend_sends_after_reading_to_the_end()
    {
        await using var backend = new AnswerAtEndServer();
        await using var gateway = TestGateway.Start(TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(gateway.EndPoint);

        await client.SendAsync("count these bytes");
        client.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal("read 17 bytes\n", await ReadToEndAsync(client.Socket));
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(17L, closed["BytesFromClient"]);
        await Eventually.HoldsAsync(() => gateway.Gateway.Ledger.Total == 0 && gateway.Gateway.Registry.Count == 0, Wait,
            "the slot is released when the backend ends");
    }

    [Fact]
    public async Task With_HalfClose_false_the_clients_FIN_ends_the_session_at_once_and_the_late_answer_is_not_relayed()
    {
        await using var backend = new AnswerAtEndServer();
        await using var strict = TestGateway.Start(TestGateway.Listener(backend.EndPoint).With(halfClose: false));
        using var client = await TestClient.ConnectAsync(strict.EndPoint);

        await client.SendAsync("count these bytes");
        client.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal("", await ReadToEndAsync(client.Socket));
        var closed = await strict.Logs.WaitForAsync(UsherEvents.SessionClosed, Wait);
        Assert.Equal(CloseReason.ClientClosed, closed["CloseReason"]);
        Assert.Equal(0, strict.Gateway.Ledger.Total);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Wait);
        var text = new StringBuilder();
        var buffer = new byte[1024];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) is > 0 and var read)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>A backend that reads until the client's end, then says how much it read and closes.</summary>
    private sealed class AnswerAtEndServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        public AnswerAtEndServer()
        {
            _listener.Start();
            _serving = ServeAsync();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        var total = 0;
                        var buffer = new byte[4096];
                        try
                        {
                            while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) is > 0 and var read)
                            {
                                total += read;
                            }

                            await socket.SendAsync(Encoding.ASCII.GetBytes($"read {total} bytes\n"), SocketFlags.None, _stop.Token);
                        }
                        catch (Exception e) when (e is OperationCanceledException or SocketException)
                        {
                        }
                    }
                });
            }
        }
    }
}
