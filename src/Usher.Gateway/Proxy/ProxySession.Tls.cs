using System.Net;
using System.Security.Cryptography.X509Certificates;
using Usher.Gateway.Engine;
using Usher.Gateway.Native;
using Usher.Gateway.Sockets;
using Usher.Gateway.Tls;
using Usher.Protocols;
using Usher.Protocols.Composite;
using Usher.Protocols.Postgres;
using Usher.Protocols.Proxy;
using Usher.Protocols.Tls;
using Usher.Identity;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>TLS as a transport of the session. A session of a listener with <c>Tls</c> starts in clear on its TCP
/// socket, in its handshake phase: the PROXY header of a trusted proxy first (HAProxy's <c>accept-proxy ssl</c>
/// order), then, on PostgreSQL listeners, the messages PostgreSQL reads in clear (SSLRequest answered <c>S</c>,
/// GSSENCRequest <c>N</c>, direct TLS, a CancelRequest passed through, a StartupMessage refused in clear as
/// <c>hostssl</c> refuses it). Then the TCP socket leaves the reactor for a <see cref="TlsBridge"/>, which runs the TLS
/// handshake and hands back one end of a socketpair carrying the plaintext (<see cref="OnTlsEstablished"/>): from
/// there the session goes on as any other, its HandshakeTimeout still running. Two descriptors describe the client:
/// <c>_clientFd</c>, the one data moves on (the TCP socket, or the socketpair's end), and <c>_clientTcpFd</c>, the TCP
/// socket, for its options, TCP_INFO and addresses.</summary>
internal sealed partial class ProxySession
{
    private readonly int _clientTcpFd;
    private TlsBridge? _clientBridge;
    private TlsBridge? _backendBridge;

    /// <summary>Whether the client still has to be upgraded to TLS.</summary>
    private bool BeforeClientTls => _context.Tls is not null && _clientBridge is null;

    /// <summary>The handshake bytes read in clear on a TLS listener, after any PROXY header.</summary>
    /// <returns><c>true</c> to go on reading them in clear (a PostgreSQL message the startup reader handles).</returns>
    private bool ReadBeforeTls()
    {
        if (_context.Settings.Identity != IdentityKind.PostgresUser)
        {
            BeginTls();
            return false;
        }

        while (true)
        {
            var pending = _hello.AsSpan(_helloStart, _helloEnd - _helloStart);
            switch (PostgresOpening.Read(pending))
            {
                case PostgresOpeningKind.NeedMore:
                    return false;
                case PostgresOpeningKind.DirectTls:
                    BeginTls();
                    return false;
                case PostgresOpeningKind.SslRequest:
                    if (SendToClient(PostgresOpening.Accept))
                    {
                        _helloStart += PostgresOpening.RequestLength;
                        BeginTls();
                    }

                    return false;
                case PostgresOpeningKind.GssEncRequest:
                    if (!SendToClient(PostgresOpening.Decline))
                    {
                        return false;
                    }

                    _helloStart += PostgresOpening.RequestLength;
                    continue;
                default:
                    return !RefusedInClear(pending);
            }
        }
    }

    /// <summary>A StartupMessage without TLS on a TLS listener is refused as PostgreSQL refuses it where pg_hba.conf
    /// has only <c>hostssl</c> lines (FATAL 28000, in clear), and logged as a bad handshake (9650). A CancelRequest
    /// goes on: libpq before 17 sends its cancels in clear.</summary>
    /// <returns><c>true</c> when refused, or while the message is incomplete.</returns>
    private bool RefusedInClear(ReadOnlySpan<byte> pending)
    {
        var startup = new PostgresStartupReader(answerSslRequest: false).ReadStartup(pending);
        if (startup.Status == HandshakeStatus.NeedMore)
        {
            return _helloEnd < MaxHandshakeBytes;
        }

        if (startup.Status != HandshakeStatus.Identified)
        {
            return false;
        }

        var host = ((IPEndPoint)Record.Client).Address.ToString();
        SendRejection(PostgresOpening.NoEncryption(host, startup.User!, startup.Database!));
        RejectHandshake("StartupMessage without SSL on a listener that terminates TLS (the client must ask for SSL, e.g. sslmode=require)");
        return true;
    }

    /// <summary>Hands the TCP socket, with the bytes read past the SSLRequest or PROXY header, to a TLS bridge.</summary>
    private void BeginTls()
    {
        var replay = _hello.AsSpan(_helloStart, _helloEnd - _helloStart).ToArray();
        _helloStart = 0;
        _helloEnd = 0;
        _reactor.Remove(_clientFd);
        _clientFd = -1;
        _clientReadable = false;
        _clientWritable = false;
        _clientBridge = TlsBridge.Accept(this, _context, _clientTcpFd, replay, _descriptors.HandToBridge());
    }

    /// <summary>TLS is up (posted by the bridge): the socketpair's end becomes the client, and the session identifies
    /// the client from TLS, or reads its protocol's handshake in the decrypted bytes.</summary>
    internal void OnTlsEstablished(int fd, string serverName, X509Certificate2? certificate)
    {
        if (_state == State.Closed)
        {
            SocketIo.Close(fd);
            return;
        }

        _clientFd = fd;
        _reactor.Watch(_clientFd, _token, Client);
        if (SpeaksImap(_context))
        {
            BeginImap();
            return;
        }

        if (_context.Handshake is not null)
        {
            return;
        }

        var settings = _context.Settings;
        var address = ((IPEndPoint)Record.Client).Address;
        var result = settings.Identity switch
        {
            IdentityKind.TlsSni => TlsServerNameIdentity.Read(serverName),
            IdentityKind.TlsClientCertificate => ClientCertificateIdentityReader.Read(certificate, _context.Tls!.Settings.ClientCertificateIdentity),
            _ => new HandshakeResult(HandshakeStatus.Identified, address.ToString()),
        };
        if (result.Status != HandshakeStatus.Identified)
        {
            RejectHandshake(result.Problem ?? "no identity");
            return;
        }

        var identity = settings.IdentityWithSourceIp && settings.Identity != IdentityKind.SourceIp
            ? CompositeIdentity.Join(result.Identity!, address)
            : result.Identity!;
        Record.Identify(_context.Identify(settings.Identity, identity));
        EndHandshakePhase();
        _state = State.Admitting;
        Admit();
    }

    /// <summary>The TLS handshake failed (posted by the bridge): 9650 with the reason, or a quiet close for a client
    /// that left (<paramref name="problem"/> <c>null</c>).</summary>
    internal void OnTlsFailed(string? problem)
    {
        if (_state == State.Closed)
        {
            return;
        }

        if (problem is null)
        {
            Record.TrySetCloseReason(CloseReason.ClientClosed);
            Shut(deadFd: -1);
            return;
        }

        RejectHandshake(problem);
    }

    /// <summary>How <paramref name="side"/> ended: what its TLS bridge saw on the TCP socket, when it has one, rather
    /// than what the socketpair says.</summary>
    private PeerEnd EndOf(int side, PeerEnd seen) => (side == Client ? _clientBridge : _backendBridge)?.End ?? seen;

    /// <summary>Makes the close of a dead peer's socket a reset (through its bridge for a TLS side).</summary>
    private void AbortPeer(int fd)
    {
        var bridge = fd == _clientFd ? _clientBridge : fd == _backendFd ? _backendBridge : null;
        if (bridge is null)
        {
            Errors.Abort(fd);
        }
        else
        {
            bridge.Abort();
        }
    }

    /// <summary>Connects the backend over TLS (BackendTls), through a bridge; a PROXY v2 header goes first in clear.</summary>
    internal void ConnectBackendTls() =>
        TlsBridge.Connect(this, _context, _context.Settings.SendProxy ? ProxyHeader() : null);

    /// <summary>The backend's TLS is up (posted by its bridge): the socketpair's end becomes the backend descriptor.</summary>
    internal void OnBackendTls(TlsBridge bridge, int fd, IPEndPoint endpoint)
    {
        if (_state == State.Closed)
        {
            SocketIo.Close(fd);
            bridge.SessionClosed();
            return;
        }

        _backendBridge = bridge;
        OnConnecting(fd, endpoint, connected: true);
    }

    /// <summary>The PROXY v2 header for the session's client, or <c>null</c> when there is no address to give.</summary>
    private byte[]? ProxyHeader()
    {
        var destination = _proxyDestination ?? LocalEndPoint(_clientTcpFd);
        if (destination is null || Record.Client is not IPEndPoint source)
        {
            return null;
        }

        var header = new byte[ProxyHeaderWriter.MaxV2Length];
        return header.AsSpan(0, ProxyHeaderWriter.WriteV2(header, source, destination)).ToArray();
    }

    /// <summary>The TCP socket of the backend: its own, or the one its TLS bridge holds.</summary>
    private int BackendTcpFd => _backendBridge?.TcpFd ?? _backendFd;

    /// <summary>Closes the client's descriptor; a TLS bridge then says close_notify and closes the TCP socket.</summary>
    private void CloseClient()
    {
        if (_clientFd >= 0)
        {
            SocketIo.Close(_clientFd);
        }

        _clientBridge?.SessionClosed();
    }
}
