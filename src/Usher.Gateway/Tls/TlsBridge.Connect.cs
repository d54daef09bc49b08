using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Usher.Gateway.Native;
using Usher.Gateway.Proxy;
using Usher.Gateway.Sockets;
using Usher.Identity;

namespace Usher.Gateway.Tls;

/// <summary>The backend side (<c>BackendTls</c>): TCP connect with the listener's socket tuning, a PROXY v2 header
/// first, in clear, when SendProxy is set, PostgreSQL's SSLRequest on PostgreSQL listeners (a backend that answers
/// <c>N</c> does not accept SSL), then the TLS handshake as a client, trusting the configured CA alone and checking the
/// configured server name; all within ConnectTimeout. The socketpair goes to the session as its backend descriptor;
/// any failure is the session's BackendUnavailable (9652) with the reason.</summary>
internal sealed partial class TlsBridge
{
    /// <summary>PostgreSQL's SSLRequest: length 8, code 80877103.</summary>
    private static readonly byte[] SslRequest = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F];

    /// <summary>Connects <paramref name="session"/>'s backend over TLS on the thread pool; <paramref name="proxyHeader"/>
    /// goes first, in clear, when set.</summary>
    public static void Connect(ProxySession session, ListenerContext context, byte[]? proxyHeader) =>
        _ = ConnectAsync(session, context, proxyHeader);

    private static async Task ConnectAsync(ProxySession session, ListenerContext context, byte[]? proxyHeader)
    {
        var (bridge, endpoint, problem) = await EstablishAsync(context, proxyHeader).ConfigureAwait(false);
        if (bridge is null)
        {
            session.Reactor.Post(session, () => session.OnConnectFailed(problem!));
            return;
        }

        var fd = bridge.OpenPair(out var pairProblem);
        if (fd < 0)
        {
            bridge.Dispose();
            session.Reactor.Post(session, () => session.OnConnectFailed(pairProblem!));
            return;
        }

        session.Reactor.Post(session, () => session.OnBackendTls(bridge, fd, endpoint!));
        await bridge.RelayAsync().ConfigureAwait(false);
    }

    private static async Task<(TlsBridge? Bridge, IPEndPoint? EndPoint, string? Problem)> EstablishAsync(ListenerContext context, byte[]? proxyHeader)
    {
        var settings = context.Settings;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
        timeout.CancelAfter(settings.ConnectTimeout);
        Socket? tcp = null;
        TlsBridge? bridge = null;
        try
        {
            var endpoint = await context.Backend.ResolveAsync(timeout.Token).ConfigureAwait(false);
            tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (SocketTuning.Apply((int)tcp.Handle, settings.Keepalive, settings.UserTimeout) is var error and not 0)
            {
                return Failed($"cannot tune the socket: {Errors.Describe(error)}");
            }

            await tcp.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            if (proxyHeader is not null)
            {
                await tcp.SendAsync(proxyHeader, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }

            if (settings.Identity == IdentityKind.PostgresUser && await AskForSslAsync(tcp, timeout.Token).ConfigureAwait(false) is { } refused)
            {
                return Failed(refused);
            }

            bridge = new TlsBridge(context, tcp, ReadOnlyMemory<byte>.Empty);
            tcp = null;
            await bridge._ssl.AuthenticateAsClientAsync(ClientOptions(context), timeout.Token).ConfigureAwait(false);
            return (bridge, endpoint, null);
        }
        catch (OperationCanceledException) when (context.Stopping.IsCancellationRequested)
        {
            return Failed("the gateway is shutting down");
        }
        catch (OperationCanceledException)
        {
            return Failed($"no answer within ConnectTimeout {settings.ConnectTimeout}");
        }
        catch (AuthenticationException e)
        {
            return Failed($"TLS handshake with the backend failed (BackendTls:Ca {settings.BackendTls!.Ca}, ServerName {settings.BackendTls.ServerName}): {Describe(e)}");
        }
        catch (SocketException e) when (tcp is null && bridge is null)
        {
            return Failed($"cannot resolve \"{settings.BackendHost}\": {e.Message}");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return Failed((e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode.ToString()
                ?? "the backend closed the connection during the TLS handshake");
        }

        (TlsBridge?, IPEndPoint?, string?) Failed(string problem)
        {
            tcp?.Dispose();
            bridge?.Dispose();
            return (null, null, problem);
        }
    }

    /// <summary>PostgreSQL's SSLRequest; <c>null</c> when the backend answered <c>S</c>, else why not.</summary>
    private static async Task<string?> AskForSslAsync(Socket tcp, CancellationToken cancellationToken)
    {
        await tcp.SendAsync(SslRequest, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        var read = await tcp.ReceiveAsync(answer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        return read == 0 ? "the backend closed the connection after SSLRequest"
            : answer[0] == (byte)'S' ? null
            : "backend does not accept SSL (it answered SSLRequest with N; BackendTls needs ssl=on on the server)";
    }

    private static SslClientAuthenticationOptions ClientOptions(ListenerContext context)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(context.Backend.BackendCa!);
        return new SslClientAuthenticationOptions
        {
            TargetHost = context.Settings.BackendTls!.ServerName,
            CertificateChainPolicy = policy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
        };
    }
}
