using System.Net;
using Usher.Gateway.Engine;
using Usher.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Identity;
using Usher.Ledger;
using Usher.Protocols.Composite;
using Usher.Protocols.Imap;
using Usher.Protocols.Proxy;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>IMAP (Identity ImapLogin): the I/O and the lifecycle around the conversation before login
/// (<see cref="ImapConversation"/>, in Usher.Core's Protocols/Imap, which decides what is sent, held, claimed and
/// refused). The server speaks first, so the backend is connected at once; the client's commands are read into the
/// handshake buffer and given to the conversation, the backend's bytes are filtered by it on their way to the client.
/// HandshakeTimeout bounds it all, from the connect to the backend's OK, but for the time the ledger (or a reclaim)
/// takes to admit.</summary>
internal sealed partial class ProxySession
{
    /// <summary>What pre-login backend output is read in (a greeting, a few answers).</summary>
    private const int ImapChunk = 2048;

    private ImapConversation? _imap;

    private static bool SpeaksImap(ListenerContext context) => context.Settings.Identity == IdentityKind.ImapLogin;

    /// <summary>Client bytes arrived (or the PROXY header was read): start, or read the commands.</summary>
    private void OnImapClientBytes()
    {
        if (_imap is null)
        {
            BeginImap();
        }
        else
        {
            EvaluateImap();
        }
    }

    /// <summary>Connects to the backend at once; the handshake buffer and deadline are already set.</summary>
    private void BeginImap()
    {
        _imap = new ImapConversation();
        _state = State.Imap;
        _context.Backend.Connect(this);
    }

    /// <summary>Called by <see cref="OnConnecting"/> for an IMAP session.</summary>
    private void OnImapConnecting(bool connected)
    {
        if (connected)
        {
            OnImapConnected();
            return;
        }

        AwaitEarlyConnect();
    }

    private void OnImapConnected()
    {
        _connectDeadline = 0;
        _backendWritable = true;
        Record.BackendLocal = LocalEndPoint(BackendTcpFd);
        if (_context.Settings.SendProxy && _backendBridge is null && !SendImapProxyHeader())
        {
            return;
        }

        _imap!.BackendConnected();
        DriveImap();
    }

    private void OnImapEvent(Readiness events, int side)
    {
        var imap = _imap!;
        var failed = (events & Readiness.Gone) != 0;
        if (imap.Phase == ImapPhase.Connecting)
        {
            if (EarlyConnectEvent(events, side))
            {
                OnImapConnected();
            }

            return;
        }

        if (imap.Phase is ImapPhase.Held or ImapPhase.Refusing && side == Client && failed)
        {
            // The client is not read while its login is held; a reset ends it at once.
            End(Client, PeerEnd.Reset);
            return;
        }

        DriveImap();
    }

    private void OnImapDeadline(long now)
    {
        var imap = _imap!;
        if (imap.Phase == ImapPhase.Refusing && now >= _handshakeDeadline)
        {
            // The backend did not answer the earlier commands in time: the refusal goes without them.
            Refuse(imap.Refusal);
            return;
        }

        if (imap.Phase == ImapPhase.Connecting && _connectDeadline != 0 && now >= _connectDeadline)
        {
            BackendUnavailable($"no answer within ConnectTimeout {_context.Settings.ConnectTimeout}");
            return;
        }

        if (_handshakeDeadline != 0 && now >= _handshakeDeadline)
        {
            var timeout = _context.Settings.HandshakeTimeout;
            RejectHandshake(imap.TimedOut(timeout));
        }
    }

    /// <summary>Moves what can move: backend to client (filtered), allowed client bytes to the backend, then the
    /// client's new commands.</summary>
    private void DriveImap()
    {
        var imap = _imap!;
        if (!ImapFromBackend(imap) || _state != State.Imap || !ImapToBackend(imap))
        {
            return;
        }

        if (imap.Phase == ImapPhase.Refusing)
        {
            if (imap.RefusalDue(clientOwed: _down.Pending > 0))
            {
                Refuse(imap.Refusal);
            }

            return;
        }

        if (imap.Phase == ImapPhase.Reading)
        {
            if (_clientReadable)
            {
                // Reads into the handshake buffer, then comes back through EvaluateImap.
                ReadHandshake();
            }
            else
            {
                EvaluateImap();
            }
        }
    }

    /// <summary>Reads the client's commands since the last settled point.</summary>
    private void EvaluateImap()
    {
        var imap = _imap!;
        if (imap.Phase != ImapPhase.Reading || _state != State.Imap)
        {
            return;
        }

        var step = imap.OnClientBytes(_hello.AsSpan(_helloStart, _helloEnd - _helloStart), full: _helloEnd >= MaxHandshakeBytes,
            clientOwed: _down.Pending > 0);
        switch (step.Action)
        {
            case ImapClientAction.Read:
                break;
            case ImapClientAction.Reply:
                if (!SendToClient(step.Reply.Span))
                {
                    return;
                }

                break;
            case ImapClientAction.Claim:
                var login = _context.Settings.IdentityWithSourceIp
                    ? CompositeIdentity.Join(step.Login!, ((IPEndPoint)Record.Client).Address)
                    : step.Login!;
                Record.Identify(_context.Identify(_context.Settings.Identity, login));
                AdmitImap(imap);
                return;
            case ImapClientAction.AdmitBySource:
                Record.Identify(_context.Identify(IdentityKind.SourceIp, SourceAddress()));
                AdmitImap(imap);
                return;
            default:
                RejectHandshake(step.Problem!);
                return;
        }

        ImapToBackend(imap);
    }

    private void AdmitImap(ImapConversation imap)
    {
        // Earlier commands still go through while the ledger decides.
        if (!ImapToBackend(imap))
        {
            return;
        }

        if (!imap.StartTls)
        {
            ClaimImapLogin(imap);
            return;
        }

        // The wait for admission (and a reclaim) has bounds of its own: HandshakeTimeout stops for it.
        _reactor.RemoveDeadline(this);
        _state = State.Admitting;
        Admit();
    }

    /// <summary>Called by <see cref="OnAdmission"/> when the ledger admitted the held command's identity: STARTTLS by
    /// its address, or a login the backend accepted.</summary>
    private void OnImapAdmitted(Admission admission)
    {
        var imap = _imap!;
        _lease = admission.Lease;
        _context.Registry.Add(this);
        _context.CountAdmitted(Record, admission);
        // STARTTLS: the login will be inside TLS, the session is counted by its address and relayed from the STARTTLS
        // line. A login: the backend's OK goes to the client now, then what the client sent after the login to the
        // backend.
        var held = imap.Admitted(out var relayFrom);
        if (!imap.StartTls)
        {
            _state = State.Imap;
            if (Record.CloseReason != CloseReason.None || (_down.Pending > 0 && !DrainImapDown()) || !ImapToClient(held.Span))
            {
                Shut(deadFd: -1);
                return;
            }
        }

        _helloStart += relayFrom;
        StartImapRelay();
    }

    private void StartImapRelay()
    {
        EndHandshakePhase();
        _state = State.Relaying;
        if (_context.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            var identity = Record.Identity.Value;
            _context.Logger.SessionOpened(Record.Id, Record.Identity.Shown, _context.Settings.Name, Record.Client, Record.Backend,
                _context.Ledger.Count(_context.Scope, identity), _context.Settings.LimitFor(identity));
        }

        Pump();
    }

    /// <summary>The backend refused the login (wrong password): the claim goes back, and what the client sent after
    /// the login is read afresh, so a second login on the connection is counted under its own name.</summary>
    private void OnImapLoginFailed(ImapConversation imap, int settled)
    {
        ReleaseImapClaim(imap);
        Record.Identify(_context.Identify(IdentityKind.SourceIp, SourceAddress()));
        settled += _helloStart;
        var rest = _helloEnd - settled;
        _hello.AsSpan(settled, rest).CopyTo(_hello);
        _helloStart = 0;
        _helloEnd = rest;
    }

    /// <summary>Relays the backend's bytes to the client through the lines filter.</summary>
    /// <returns><c>false</c> when the session ended or left the IMAP phase.</returns>
    private unsafe bool ImapFromBackend(ImapConversation imap)
    {
        Span<byte> chunk = stackalloc byte[ImapChunk];
        while (true)
        {
            if (_down.Pending > 0 && (!DrainImapDown() || _down.Pending > 0))
            {
                return _state == State.Imap;
            }

            if (_down.SourceEnded)
            {
                End(Backend, PeerEndClassifier.AfterEnd(_backendFd));
                return false;
            }

            if (!_backendReadable)
            {
                ReleasePipe(ref _down);
                return true;
            }

            var read = SocketIo.Recv(_backendFd, chunk);
            if (read.Moved)
            {
                Record.AddBytes(fromClient: false, read.Count, Environment.TickCount64);
                var step = imap.OnBackendBytes(chunk[..read.Count]);
                if (step.Answer == ImapAnswer.Failed)
                {
                    // Released before the client reads the NO, so that it may try again at once.
                    OnImapLoginFailed(imap, step.Settled);
                }

                if (!ImapToClient(step.Before.Span) || !ImapToClient(chunk[..step.Pass]))
                {
                    return false;
                }

                if (step.Answer == ImapAnswer.Ok)
                {
                    // The OK to the login (and what follows it) waits in the conversation while the ledger admits.
                    OnImapLoggedIn(imap);
                    return false;
                }

                continue;
            }

            if (read.EndOfStream)
            {
                // Relay what is parked first (a BYE), then end.
                _down.SourceEnded = true;
                _backendReadable = false;
                continue;
            }

            if (read.WouldBlock)
            {
                _backendReadable = false;
                ReleasePipe(ref _down);
                return true;
            }

            End(Backend, read.End);
            return false;
        }
    }

    /// <summary>Sends to the client; what it does not take waits in a pipe, as in the relay.</summary>
    private unsafe bool ImapToClient(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return true;
        }

        fixed (byte* p = bytes)
        {
            var sent = 0;
            if (_clientWritable)
            {
                var send = SocketIo.Send(_clientFd, p, bytes.Length);
                if (send.Failed)
                {
                    End(Client, send.End);
                    return false;
                }

                sent = send.Count;
            }

            if (sent == bytes.Length)
            {
                return true;
            }

            _clientWritable = false;
            if (!_down.HasPipe)
            {
                (_down.PipeRead, _down.PipeWrite) = _reactor.Pipes.Rent();
            }

            var rest = bytes.Length - sent;
            var parked = _down.HasPipe ? SocketIo.Write(_down.PipeWrite, p + sent, rest) : IoResult.Blocked;
            if (!parked.Moved || parked.Count != rest)
            {
                End(Client, PeerEnd.Closed);
                return false;
            }

            _down.Pending += rest;
            return true;
        }
    }

    /// <summary>Sends what waits in the pipe to the client.</summary>
    /// <returns><c>false</c> when the session ended.</returns>
    private bool DrainImapDown()
    {
        while (_down.Pending > 0 && _clientWritable)
        {
            var sent = SocketIo.SpliceOut(_down.PipeRead, _clientFd, _down.Pending);
            if (sent.Moved)
            {
                _down.Pending -= sent.Count;
                continue;
            }

            if (sent.WouldBlock)
            {
                _clientWritable = false;
                return true;
            }

            End(Client, sent.Failed ? sent.End : PeerEnd.Closed);
            return false;
        }

        return true;
    }

    /// <summary>Sends the client's allowed bytes to the backend, letting the held login through when its turn has
    /// come.</summary>
    /// <returns><c>false</c> when the session ended.</returns>
    private bool ImapToBackend(ImapConversation imap)
    {
        while (imap.ToBackend() is (var start, > 0 and var length))
        {
            if (!_backendWritable)
            {
                return true;
            }

            var sent = SocketIo.Send(_backendFd, _hello.AsSpan(_helloStart + start, length));
            if (sent.Moved)
            {
                Record.AddBytes(fromClient: true, sent.Count, Environment.TickCount64);
                imap.SentToBackend(sent.Count);
                continue;
            }

            if (sent.WouldBlock)
            {
                _backendWritable = false;
                return true;
            }

            End(Backend, sent.End);
            return false;
        }

        return true;
    }

    /// <summary>SendProxy v2: the header goes first on the fresh backend connection, before the greeting is read.</summary>
    private bool SendImapProxyHeader()
    {
        var destination = _proxyDestination ?? LocalEndPoint(_clientTcpFd);
        if (destination is null || Record.Client is not IPEndPoint source)
        {
            return true;
        }

        Span<byte> header = stackalloc byte[ProxyHeaderWriter.MaxV2Length];
        var length = ProxyHeaderWriter.WriteV2(header, source, destination);
        var sent = SocketIo.Send(_backendFd, header[..length]);
        if (!sent.Moved || sent.Count != length)
        {
            BackendUnavailable("cannot send the PROXY header");
            return false;
        }

        Record.AddBytes(fromClient: true, length, Environment.TickCount64);
        return true;
    }

    /// <summary>A refused login whose earlier commands the backend has not all answered yet (a client that pipelined
    /// <c>a1 CAPABILITY</c> and <c>a2 LOGIN</c>, refused before the greeting came): the greeting and those answers are
    /// relayed first, within HandshakeTimeout, then <see cref="Refuse"/> sends the NO and BYE, so the
    /// client reads every answer it waits for in order.</summary>
    /// <returns><c>true</c> when the refusal waits.</returns>
    private bool DeferImapRefusal(Admission admission)
    {
        if (_imap?.DeferRefusal(admission, backendConnected: _backendFd >= 0, clientOwed: _down.Pending > 0) != true)
        {
            return false;
        }

        _reactor.RemoveDeadline(this);
        _state = State.Imap;
        _reactor.AddDeadline(this, _handshakeDeadline);
        DriveImap();
        return true;
    }

    /// <summary>The refusal of the held command: a tagged NO [UNAVAILABLE], then BYE.</summary>
    private void SendImapRefusal(ReadOnlySpan<byte> refusal)
    {
        SendToClient(refusal);
        SocketIo.ShutdownWrite(_clientFd);
    }

    /// <summary>A session that ends before admission may already hold a backend connection (IMAP connects first):
    /// close it, with what was parked for the client.</summary>
    private void CloseBackendBeforeAdmission()
    {
        if (_backendFd >= 0)
        {
            SocketIo.Close(_backendFd);
            _backendFd = -1;
        }

        _backendBridge?.SessionClosed();

        DiscardPipe(ref _down);
        ReturnHello();
        EndClaim();
    }

    private string SourceAddress()
    {
        var address = ((IPEndPoint)Record.Client).Address;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
