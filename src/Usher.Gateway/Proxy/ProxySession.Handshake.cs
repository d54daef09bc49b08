using System.Buffers;
using System.Net;
using Usher.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Engine;
using Usher.Identity;
using Usher.Ledger;
using Usher.Protocols;
using Usher.Protocols.Composite;
using Usher.Protocols.Proxy;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>The handshake phase: the client's first bytes are read into a bounded buffer (16 KB, within
/// HandshakeTimeout) and shown to the listener's protocol reader until it names the identity. Those bytes are then
/// replayed to the backend unchanged (but for those the reader consumed, such as an SSLRequest answered by Usher),
/// and the buffer goes back to the pool: a session holds it only during its handshake.</summary>
internal sealed partial class ProxySession
{
    /// <summary>The most a handshake may take, in bytes.</summary>
    public const int MaxHandshakeBytes = 16 * 1024;

    /// <summary>The handshake buffer a session starts with: most handshakes (a PostgreSQL StartupMessage, an MQTT
    /// CONNECT, an HTTP request head, a ClientHello) fit; it grows up to <see cref="MaxHandshakeBytes"/> when one
    /// does not, so a thousand slow handshakes cost a thousand small buffers.</summary>
    private const int FirstHandshakeBytes = 1024;

    private byte[]? _hello;
    private int _helloStart;
    private int _helloEnd;
    private long _handshakeDeadline;
    private bool _awaitingProxyHeader;
    private IPEndPoint? _proxyDestination;
    private bool _passthrough;

    private void BeginHandshake()
    {
        _state = State.Handshaking;
        _hello = ArrayPool<byte>.Shared.Rent(FirstHandshakeBytes);
        _handshakeDeadline = Environment.TickCount64 + (long)_context.Settings.HandshakeTimeout.TotalMilliseconds;
        RegisterClient();
        _reactor.AddDeadline(this, _handshakeDeadline);
    }

    private void ReadHandshake()
    {
        while (_clientReadable && _helloEnd < MaxHandshakeBytes)
        {
            if (_helloEnd == _hello!.Length)
            {
                GrowHello();
            }

            var read = SocketIo.Recv(_clientFd, _hello.AsSpan(_helloEnd, Math.Min(_hello.Length, MaxHandshakeBytes) - _helloEnd));
            if (read.Moved)
            {
                _helloEnd += read.Count;
                continue;
            }

            if (read.WouldBlock)
            {
                _clientReadable = false;
                break;
            }

            // Gone before saying who it is (a port probe, a health check): nothing to count, nothing to log.
            Record.TrySetCloseReason(CloseReason.ClientClosed);
            Shut(deadFd: -1);
            return;
        }

        EvaluateHandshake();
    }

    private void GrowHello()
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxHandshakeBytes, _hello!.Length * 4));
        _hello.AsSpan(0, _helloEnd).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_hello);
        _hello = bigger;
    }

    private void EvaluateHandshake()
    {
        if (_awaitingProxyHeader && !ReadProxyHeader())
        {
            return;
        }

        if (BeforeClientTls && !ReadBeforeTls())
        {
            return;
        }

        if (SpeaksImap(_context))
        {
            OnImapClientBytes();
            return;
        }

        var protocol = _context.Handshake;
        if (protocol is null)
        {
            // The identity is the (original) client address.
            EndHandshakePhase();
            var address = ((IPEndPoint)Record.Client).Address.ToString();
            Record.Identify(_context.Identify(_context.Settings.Identity, address));
            _state = State.Admitting;
            Admit();
            return;
        }

        while (true)
        {
            var result = protocol.Read(_hello.AsSpan(_helloStart, _helloEnd - _helloStart));
            switch (result.Status)
            {
                case HandshakeStatus.NeedMore when _helloEnd >= MaxHandshakeBytes:
                    RejectHandshake($"handshake larger than {MaxHandshakeBytes / 1024} KB");
                    return;
                case HandshakeStatus.NeedMore:
                    return;
                case HandshakeStatus.Reply:
                    if (!SendToClient(result.Reply.Span))
                    {
                        return;
                    }

                    _helloStart += result.Consumed;
                    continue;
                case HandshakeStatus.Identified:
                    _helloStart += result.Consumed;
                    var identity = _context.Settings.IdentityWithSourceIp
                        ? CompositeIdentity.Join(result.Identity!, ((IPEndPoint)Record.Client).Address)
                        : result.Identity!;
                    Record.Identify(_context.Identify(_context.Settings.Identity, identity));
                    if (BeginClaim())
                    {
                        return;
                    }

                    EndHandshakePhase();
                    _state = State.Admitting;
                    Admit();
                    return;
                case HandshakeStatus.Passthrough:
                    // Not a session (a PostgreSQL CancelRequest): relay it without counting, and nothing after it.
                    _helloStart += result.Consumed;
                    _passthrough = true;
                    EndHandshakePhase();
                    _state = State.Admitting;
                    _context.Backend.Connect(this);
                    return;
                default:
                    var problem = result.Problem ?? "malformed handshake";
                    SendRejection(protocol.Rejection(_hello.AsSpan(_helloStart, _helloEnd - _helloStart), problem).Span);
                    RejectHandshake(problem);
                    return;
            }
        }
    }

    /// <summary>A passthrough relays its one message and nothing more: a client that sends anything after it (before
    /// or after the backend connected) is closed as a bad handshake, never relayed uncounted.</summary>
    /// <returns><c>false</c> when the session ended.</returns>
    private bool PassthroughClientQuiet()
    {
        if (!SocketIo.HasUnread(_clientFd))
        {
            // Nothing yet, its FIN, or an error: the relay sees the last two for itself.
            return true;
        }

        RejectHandshake(Usher.Protocols.Postgres.PostgresStartupReader.BytesAfterCancel);
        return false;
    }

    /// <summary>Reads the PROXY header a trusted proxy sends first; the original client becomes the session's client.</summary>
    /// <returns><c>false</c> to wait for more bytes or when the session ended.</returns>
    private bool ReadProxyHeader()
    {
        var header = ProxyProtocolReader.Read(_hello.AsSpan(_helloStart, _helloEnd - _helloStart));
        switch (header.Status)
        {
            case ProxyHeaderStatus.NeedMore when _helloEnd >= MaxHandshakeBytes:
                RejectHandshake("PROXY header larger than 16 KB");
                return false;
            case ProxyHeaderStatus.NeedMore:
                return false;
            case ProxyHeaderStatus.Invalid:
                RejectHandshake("PROXY header expected: " + (header.Problem ?? "malformed"));
                return false;
            case ProxyHeaderStatus.Proxied:
                Record.ProxiedFor(header.Source!);
                _proxyDestination = header.Destination;
                break;
        }

        // LOCAL (the proxy's own health check) and UNKNOWN keep the connection's own address.
        _helloStart += header.Consumed;
        _awaitingProxyHeader = false;
        return true;
    }

    /// <summary>Puts a PROXY v2 header for the session's client in front of the bytes to replay (SendProxy: v2).</summary>
    private unsafe void PrependProxyHeader()
    {
        var destination = _proxyDestination ?? LocalEndPoint(_clientTcpFd);
        if (destination is null || Record.Client is not IPEndPoint source)
        {
            return;
        }

        Span<byte> header = stackalloc byte[ProxyHeaderWriter.MaxV2Length];
        var length = ProxyHeaderWriter.WriteV2(header, source, destination);
        var pending = _hello is null ? 0 : _helloEnd - _helloStart;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MaxHandshakeBytes, length + pending));
        header[..length].CopyTo(buffer);
        if (pending > 0)
        {
            _hello.AsSpan(_helloStart, pending).CopyTo(buffer.AsSpan(length));
        }

        ReturnHello();
        _hello = buffer;
        _helloStart = 0;
        _helloEnd = length + pending;
    }

    private void EndHandshakePhase()
    {
        _descriptors.LeaveHandshake(_context);
        _handshakeDeadline = 0;
        _reactor.RemoveDeadline(this);
    }

    private void RejectHandshake(string problem)
    {
        Record.TrySetCloseReason(CloseReason.HandshakeFailed);
        _context.Logger.HandshakeRejected(Record.Client, _context.Settings.Name, problem);
        Shut(deadFd: -1);
    }

    /// <summary>Tells a client whose handshake is invalid why, when its protocol has words for it (a TLS alert), as
    /// far as the socket takes it at once; the connection is closed right after.</summary>
    private void SendRejection(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _ = SocketIo.Send(_clientFd, bytes);
        SocketIo.ShutdownWrite(_clientFd);
    }

    /// <summary>Sends a short reply or refusal; <c>false</c> (and the session closed) when it cannot go at once.</summary>
    private bool SendToClient(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return true;
        }

        var sent = SocketIo.Send(_clientFd, bytes);
        if (sent.Moved && sent.Count == bytes.Length)
        {
            return true;
        }

        Record.TrySetCloseReason(CloseReason.ClientClosed);
        Shut(deadFd: -1);
        return false;
    }

    /// <summary>The refusal in the client's own protocol, sent before its connection is closed.</summary>
    private void SendRefusal(Admission refusal)
    {
        if (_imap?.RefusalBytes() is { IsEmpty: false } imapRefusal)
        {
            SendImapRefusal(imapRefusal.Span);
            return;
        }

        if (SendConfirmedRefusal())
        {
            return;
        }

        if (_context.Handshake is not { } protocol || _hello is null)
        {
            return;
        }

        var bytes = protocol.Refusal(_hello.AsSpan(_helloStart, _helloEnd - _helloStart), Record.Identity.Value, refusal);
        if (!bytes.IsEmpty)
        {
            SendToClient(bytes.Span);
            SocketIo.ShutdownWrite(_clientFd);
        }
    }

    /// <summary>Replays the handshake to the backend before the relay starts.</summary>
    /// <returns><c>false</c> while bytes remain (the backend is full) or when the session ended.</returns>
    private bool FlushHello()
    {
        while (_helloStart < _helloEnd)
        {
            if (!_backendWritable)
            {
                return false;
            }

            var sent = SocketIo.Send(_backendFd, _hello.AsSpan(_helloStart, _helloEnd - _helloStart));
            if (sent.Moved)
            {
                Record.AddBytes(fromClient: true, sent.Count, Environment.TickCount64);
                _helloStart += sent.Count;
                continue;
            }

            if (sent.WouldBlock)
            {
                _backendWritable = false;
                return false;
            }

            End(Backend, sent.End);
            return false;
        }

        ReturnHello();
        return true;
    }

    private void ReturnHello()
    {
        if (_hello is not null)
        {
            ArrayPool<byte>.Shared.Return(_hello);
            _hello = null;
        }
    }
}
