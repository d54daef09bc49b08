using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>A real TLS client (SslStream) that checks the gateway's certificate against the test CA, asks for a
/// server name, and presents the client certificate it is given (whatever CA the gateway names).</summary>
internal sealed class TlsClient : IAsyncDisposable
{
    private TlsClient(Socket socket, SslStream ssl)
    {
        Socket = socket;
        Ssl = ssl;
    }

    /// <summary>The client's socket.</summary>
    public Socket Socket { get; }

    /// <summary>The TLS stream.</summary>
    public SslStream Ssl { get; }

    /// <summary>Connects (from the loopback address <paramref name="from"/>, when given) and completes the TLS handshake; throws <see cref="AuthenticationException"/> or
    /// <see cref="IOException"/> when the gateway refuses it during the handshake.</summary>
    public static async Task<TlsClient> ConnectAsync(IPEndPoint to, string serverName, X509Certificate2 ca,
        X509Certificate2? certificate = null, string? from = null)
    {
        var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }

        await socket.ConnectAsync(to);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(ca);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = policy,
            LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
        };
        using var cts = new CancellationTokenSource(EndToEnd.Soon);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cts.Token);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return new TlsClient(socket, ssl);
    }

    /// <summary>What arrives next: text, or <c>null</c> when the gateway ended the session (close_notify, FIN,
    /// RST or a TLS alert).</summary>
    public async Task<string?> ReadAsync(TimeSpan? timeout = null)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout ?? EndToEnd.Soon);
        try
        {
            var read = await Ssl.ReadAsync(buffer, cts.Token);
            return read == 0 ? null : Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return null;
        }
    }

    /// <summary>Sends text.</summary>
    public async Task SendAsync(string text)
    {
        await Ssl.WriteAsync(Encoding.ASCII.GetBytes(text));
        await Ssl.FlushAsync();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Ssl.DisposeAsync();
}
