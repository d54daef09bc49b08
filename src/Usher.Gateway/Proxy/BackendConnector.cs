using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Sockets;
using Usher.Configuration;
using Usher.Gateway.Native;
using Usher.Gateway.Sockets;

namespace Usher.Gateway.Proxy;

/// <summary>Starts non-blocking connects to a listener's backend with the listener's socket tuning. An address is
/// parsed once; a host name is resolved on each connect (off the reactor), so DNS changes are followed.</summary>
internal sealed class BackendConnector
{
    private readonly ListenerSettings _settings;
    private readonly IPEndPoint? _fixed;

    public BackendConnector(ListenerSettings settings)
    {
        _settings = settings;
        if (IPAddress.TryParse(settings.BackendHost, out var address))
        {
            _fixed = new IPEndPoint(address, settings.BackendPort);
        }

        if (settings.BackendTls is { } tls)
        {
            BackendCa = [];
            BackendCa.ImportFromPemFile(tls.Ca);
        }
    }

    /// <summary>The CA certificates of BackendTls, loaded once; <c>null</c> for a plain backend.</summary>
    public X509Certificate2Collection? BackendCa { get; }

    /// <summary>The backend's address: the configured one, or the host name resolved now (DNS changes are followed).</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (_fixed is not null)
        {
            return _fixed;
        }

        var addresses = await Dns.GetHostAddressesAsync(_settings.BackendHost, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return new IPEndPoint(addresses[Random.Shared.Next(addresses.Length)], _settings.BackendPort);
    }

    /// <summary>Starts the connect of a session's backend socket; runs on the session's reactor thread.</summary>
    public void Connect(ProxySession session)
    {
        if (BackendCa is not null)
        {
            session.ConnectBackendTls();
            return;
        }

        if (_fixed is not null)
        {
            Start(session, _fixed);
            return;
        }

        _ = ResolveAndConnectAsync(session);
    }

    private async Task ResolveAndConnectAsync(ProxySession session)
    {
        IPEndPoint endpoint;
        try
        {
            using var timeout = new CancellationTokenSource(_settings.ConnectTimeout);
            endpoint = await ResolveAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            var problem = $"cannot resolve \"{_settings.BackendHost}\": {e.Message}";
            session.Reactor.Post(session, () => session.OnConnectFailed(problem));
            return;
        }

        session.Reactor.Post(session, () => Start(session, endpoint));
    }

    private unsafe void Start(ProxySession session, IPEndPoint endpoint)
    {
        var fd = Libc.Socket(endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET,
            Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            session.OnConnectFailed($"cannot create a socket: {Errors.Describe(Libc.Errno)}");
            return;
        }

        // Keepalive and the user timeout come later, if the connection lives long enough to need them.
        SocketTuning.SetNoDelay(fd);
        var addr = stackalloc byte[SockAddr.MaxSize];
        var length = SockAddr.Write(endpoint, new Span<byte>(addr, SockAddr.MaxSize));
        if (Libc.Connect(fd, addr, length) == 0)
        {
            session.OnConnecting(fd, endpoint, connected: true, livenessLater: true);
            return;
        }

        var errno = Libc.Errno;
        if (errno == Libc.EINPROGRESS)
        {
            session.OnConnecting(fd, endpoint, connected: false, livenessLater: true);
            return;
        }

        Libc.Close(fd);
        session.OnConnectFailed(Errors.Describe(errno));
    }
}
