using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Usher.Configuration;
using Usher.Identity;
using Usher.Testing;

namespace Usher.Gateway.Tests.Tls;

/// <summary>Sessions whose clients leave with the backend's echo unread, many at once, over TLS and in clear: once
/// they have ended, every pipe they rented goes back (the pool's idle ones are closed by its trim) and the descriptor
/// budget holds what it held before.</summary>
public sealed class TlsPipeAccountingTests : IAsyncLifetime
{
    private const string Request = "GET / HTTP/1.1\r\nHost: app\r\nX-User: alice\r\n\r\n";
    private const int Clients = 8;
    private const int Rounds = 40;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private TestCertificates? _certificates;

    private TestCertificates Certificates => _certificates!;

    public async Task InitializeAsync() => _certificates = await TestCertificates.CreateAsync();

    public async Task DisposeAsync() => await Certificates.DisposeAsync();

    [Fact]
    public Task TLS_clients_that_leave_with_the_echo_unread_give_back_every_pipe_and_descriptor_once_their_sessions_end() =>
        LeaveNothingBehindAsync(tls: true);

    [Fact]
    public Task Plain_clients_that_leave_with_the_echo_unread_give_back_every_pipe_and_descriptor_once_their_sessions_end() =>
        LeaveNothingBehindAsync(tls: false);

    private async Task LeaveNothingBehindAsync(bool tls)
    {
        await using var backend = new SessionServer();
        await using var gateway = Start(backend, tls);
        var baseline = gateway.Gateway.Descriptors.Held;

        await RunAsync(gateway, tls ? TlsRequestAsync : PlainRequestAsync);

        await SettledAsync(gateway, backend, baseline);
    }

    private static async Task RunAsync(TestGateway gateway, Func<IPEndPoint, int, Task> request)
    {
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                await request(gateway.EndPoint, (c * Rounds) + i);
            }
        }));
        await Task.WhenAll(clients).WaitAsync(Wait);
    }

    private static async Task SettledAsync(TestGateway gateway, SessionServer backend, long baseline)
    {
        var g = gateway.Gateway;
        await Eventually.HoldsAsync(() => g.Registry.Count == 0 && g.Ledger.Total == 0, Wait, "every session ends");
        await backend.WaitUntilAsync(b => b.Open == 0, Wait);
        await Eventually.HoldsAsync(() => g.LivePipes == 0 && g.Descriptors.Held == baseline, Wait,
            $"pipes back to 0 and the budget back to {baseline} (now {g.LivePipes} pipes, {g.Descriptors.Held} held)");
    }

    private TestGateway Start(SessionServer backend, bool tls)
    {
        var listener = TestGateway.Listener(backend.EndPoint);
        return TestGateway.Start(new GatewaySettings
        {
            Listeners =
            [
                new ListenerSettings
                {
                    Name = listener.Name,
                    Listen = listener.Listen,
                    BackendHost = listener.BackendHost,
                    BackendPort = listener.BackendPort,
                    UserTimeout = listener.UserTimeout,
                    Identity = IdentityKind.HttpHeader,
                    IdentityArgument = "X-User",
                    MaxSessionsPerIdentity = 1000,
                    Tls = tls ? new TlsSettings { Certificate = Certificates.ServerPem, Key = Certificates.ServerKey } : null,
                },
            ],
            Workers = 2,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        });
    }

    /// <summary>Connects, sends the request, reads once (the greeting, perhaps with some of the echo) and leaves
    /// (every other time with a reset), as a TLS client that reads one answer does.</summary>
    private async Task TlsRequestAsync(IPEndPoint to, int n)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(to);
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(Certificates.Ca);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = policy });
        await ssl.WriteAsync(Encoding.ASCII.GetBytes(Request));
        var buffer = new byte[4096];
        Assert.True(await ssl.ReadAsync(buffer) > 0);
        if (n % 2 == 0)
        {
            socket.LingerState = new LingerOption(true, 0);
        }
    }

    private static async Task PlainRequestAsync(IPEndPoint to, int n)
    {
        using var client = await TestClient.ConnectAsync(to);
        await client.SendAsync(Request);
        Assert.True(await client.IsAdmittedAsync());
        if (n % 2 == 0)
        {
            client.Socket.LingerState = new LingerOption(true, 0);
        }
    }
}
