using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Usher.Gateway.Proxy;
using Usher.Identity;

namespace Usher.Gateway.Tls;

/// <summary>The client side: the TLS handshake as the server (the listener's certificate, its client-certificate
/// validation, ALPN <c>postgresql</c> on PostgreSQL listeners), then the socketpair handed to the session on its
/// reactor. A client that leaves before its first byte is a port probe, closed without a word; a handshake that fails
/// is told to the session with the reason (9650). The session's HandshakeTimeout runs on its reactor and stops the
/// handshake by closing the session.</summary>
internal sealed partial class TlsBridge
{
    /// <summary>The ALPN protocol of PostgreSQL's direct TLS (PostgreSQL 17, <c>sslnegotiation=direct</c>).</summary>
    private static readonly SslApplicationProtocol Postgresql = new("postgresql");

    /// <summary>Takes over the client's TCP socket <paramref name="tcpFd"/> of <paramref name="session"/> and starts the
    /// TLS handshake on the thread pool; <paramref name="replay"/> holds bytes of the handshake already read.
    /// <paramref name="pairReserved"/> says whether the budget's descriptors for the socketpair were taken at accept
    /// (the bridge owns them now and gives them back when it ends).</summary>
    public static TlsBridge Accept(ProxySession session, ListenerContext context, int tcpFd, byte[] replay, bool pairReserved)
    {
        // The handle owns the descriptor from here on: disposing the stream closes it.
        var bridge = new TlsBridge(context, new Socket(new SafeSocketHandle(tcpFd, ownsHandle: true)), replay)
        {
            _budgeted = pairReserved ? 2 : 0,
        };
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Bridge.AcceptAsync(s.Session), (Bridge: bridge, Session: session),
            preferLocal: false);
        return bridge;
    }

    private async Task AcceptAsync(ProxySession session)
    {
        var problem = await AuthenticateAsServerAsync(_replayed).ConfigureAwait(false);
        if (problem is not null)
        {
            Dispose();
            session.Reactor.Post(session, () => session.OnTlsFailed(problem.Length == 0 ? null : problem));
            return;
        }

        var fd = OpenPair(out var pairProblem);
        if (fd < 0)
        {
            Dispose();
            session.Reactor.Post(session, () => session.OnTlsFailed(pairProblem));
            return;
        }

        var serverName = _ssl.TargetHostName;
        var certificate = _ssl.RemoteCertificate as X509Certificate2;
        session.Reactor.Post(session, () => session.OnTlsEstablished(fd, serverName, certificate));
        await RelayAsync().ConfigureAwait(false);
    }

    /// <summary>Said of a client that left before its first byte, or during the handshake: nothing to log.</summary>
    private const string Quiet = "";

    /// <returns><c>null</c> when TLS is up; <see cref="Quiet"/> for a client that left; else why it failed.</returns>
    private async Task<string?> AuthenticateAsServerAsync(bool replayed)
    {
        var tls = _context.Tls!;
        string? certificateProblem = null;
        try
        {
            if (!replayed)
            {
                // Wait for the ClientHello without holding a buffer; nothing at all means a probe that came and went.
                await _tcp.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (_tcp.Available == 0)
                {
                    return Quiet;
                }
            }

            var options = tls.Options((_, certificate, chain, errors) =>
            {
                certificateProblem = tls.Clients?.Validate(certificate, chain, errors);
                return certificateProblem is null;
            });
            if (_context.Settings.Identity == IdentityKind.PostgresUser)
            {
                options.ApplicationProtocols = [Postgresql];
            }

            await _ssl.AuthenticateAsServerAsync(options, _stop.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            // The session ended (HandshakeTimeout, shutdown) and says why itself.
            return Quiet;
        }
        catch (AuthenticationException e)
        {
            return certificateProblem ?? "TLS handshake failed: " + Describe(e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Gone during the handshake: nothing to count, as for a client that leaves before its first bytes.
            return certificateProblem ?? Quiet;
        }
    }
}
