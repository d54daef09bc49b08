using System.Net;
using Usher.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Proxy.Imap;
using Usher.Gateway.Sockets;
using Usher.Handshakes.Composite;
using Usher.Handshakes.Imap;
using Usher.Handshakes.Proxy;
using Usher.Identity;
using Usher.Ledger;
using Usher.Refusals;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>IMAP (Identity ImapLogin): the server speaks first, so the backend is connected at once and its greeting
/// and answers are relayed while the client's commands are read into the handshake buffer. Complete CAPABILITY,
/// NOOP, ID and LOGOUT lines are forwarded; LOGIN / AUTHENTICATE PLAIN is held until its user is claimed
/// (ProxySession.ImapClaim.cs), then forwarded once the backend has answered everything before it, and nothing more
/// from the client is until the backend answers it. OK: held while the ledger admits, then the plain relay. NO / BAD:
/// the claim is released and the client's next commands are read afresh. STARTTLS: counted by source address, then
/// relayed. HandshakeTimeout bounds it all, from the connect to
/// the backend's OK, but for the time the ledger (or a reclaim) takes to admit.</summary>
public sealed partial class ProxySession
{
    /// <summary>What pre-login backend output is read in (a greeting, a few answers).</summary>
    private const int ImapChunk = 2048;

    private static readonly ImapLoginReader ImapReader = new();
    private static readonly byte[] ImapBye = ImapRefusal.Bye();

    private ImapFlow? _imap;

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
        _imap = new ImapFlow { Relayed = _helloStart, ForwardEnd = _helloStart };
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
        Record.BackendLocal = LocalEndPoint(_backendFd);
        if (_context.Settings.SendProxy && _backendBridge is null && !SendImapProxyHeader())
        {
            return;
        }

        _imap!.Phase = ImapPhase.Reading;
        DriveImap();
    }

    private void OnImapEvent(uint events, int side)
    {
        var imap = _imap!;
        var failed = (events & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0;
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
            RejectHandshake(imap.Phase == ImapPhase.Held
                ? $"the backend did not answer the login within HandshakeTimeout {timeout}"
                : $"no login within HandshakeTimeout {timeout}");
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
            if (imap.Lines.Settled && _down.Pending == 0)
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

        var step = ImapReader.Read(_hello.AsSpan(_helloStart, _helloEnd - _helloStart));
        var forward = _helloStart + step.Forward;
        if (step.Kind is ImapStepKind.NeedMore or ImapStepKind.Reply && _helloEnd >= MaxHandshakeBytes)
        {
            RejectHandshake($"more than {MaxHandshakeBytes / 1024} KB before login");
            return;
        }

        switch (step.Kind)
        {
            case ImapStepKind.NeedMore:
                imap.Allow(_hello, forward);
                break;
            case ImapStepKind.Reply:
                imap.Allow(_hello, forward);
                if (imap.RepliedAt != _helloEnd)
                {
                    imap.RepliedAt = _helloEnd;
                    if (!SendToClient(step.Reply.Span))
                    {
                        return;
                    }
                }

                break;
            case ImapStepKind.Login:
                imap.Allow(_hello, forward);
                imap.Hold(forward + step.Held, step.Tag!, step.Continuations, startTls: false);
                var login = _context.Settings.IdentityWithSourceIp
                    ? CompositeIdentity.Join(step.User!, ((IPEndPoint)Record.Client).Address)
                    : step.User!;
                Record.Identify(_context.Identify(_context.Settings.Identity, login));
                AdmitImap(imap);
                return;
            case ImapStepKind.StartTls:
                // Hold the STARTTLS line itself: a refused client gets a NO rather than a TLS handshake to nowhere.
                // Pre-login commands are one line each, so it starts after the previous line end.
                var start = _helloStart + _hello.AsSpan(_helloStart, forward - 1 - _helloStart).LastIndexOf((byte)'\n') + 1;
                var tag = System.Text.Encoding.ASCII.GetString(_hello.AsSpan(start, _hello.AsSpan(start).IndexOf((byte)' ')));
                imap.Allow(_hello, start);
                imap.Hold(forward, tag, 0, startTls: true);
                Record.Identify(_context.Identify(IdentityKind.SourceIp, SourceAddress()));
                AdmitImap(imap);
                return;
            default:
                RejectHandshake(step.Problem ?? "malformed IMAP command");
                return;
        }

        ImapToBackend(imap);
    }

    private void AdmitImap(ImapFlow imap)
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
    private void OnImapAdmitted(Lease lease)
    {
        var imap = _imap!;
        _lease = lease;
        _context.Registry.Add(this);
        _context.Metrics.Admitted(_context.Settings.Name);
        if (imap.StartTls)
        {
            // The login will be inside TLS: the session is counted by its address and relayed from here.
            _helloStart = imap.Relayed;
            StartImapRelay(imap);
            return;
        }

        // The backend's OK goes to the client now, then what the client sent after the login to the backend.
        var held = imap.HeldAnswer!;
        imap.HeldAnswer = null;
        _state = State.Imap;
        if (Record.CloseReason != CloseReason.None || (_down.Pending > 0 && !DrainImapDown()) || !ImapToClient(held))
        {
            Shut(deadFd: -1);
            return;
        }

        _helloStart = imap.HeldEnd;
        StartImapRelay(imap);
    }

    private void StartImapRelay(ImapFlow imap)
    {
        imap.Phase = ImapPhase.Relaying;
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
    private void OnImapLoginFailed(ImapFlow imap)
    {
        ReleaseImapClaim(imap);
        Record.Identify(_context.Identify(IdentityKind.SourceIp, SourceAddress()));
        var settled = imap.HeldEnd;
        var rest = _helloEnd - settled;
        _hello.AsSpan(settled, rest).CopyTo(_hello);
        _helloStart = 0;
        _helloEnd = rest;
        imap.Restart();
    }

    /// <summary>Relays the backend's bytes to the client through the lines filter.</summary>
    /// <returns><c>false</c> when the session ended or left the IMAP phase.</returns>
    private unsafe bool ImapFromBackend(ImapFlow imap)
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

            nint read;
            fixed (byte* p = chunk)
            {
                read = Libc.Recv(_backendFd, p, chunk.Length, 0);
            }

            if (read > 0)
            {
                Record.AddBytes(fromClient: false, (int)read, Environment.TickCount64);
                var kept = imap.Lines.Filter(chunk[..(int)read], out var answer);
                if (answer == ImapAnswer.Failed && imap.Phase == ImapPhase.Held)
                {
                    // Released before the client reads the NO, so that it may try again at once.
                    OnImapLoginFailed(imap);
                }

                // The OK to the login (and what follows it) is held while the ledger admits the session.
                var pass = answer == ImapAnswer.Ok && imap.Phase == ImapPhase.Held ? Math.Max(0, imap.Lines.AnswerStart) : kept;
                if (!ImapToClient(chunk[..pass]))
                {
                    return false;
                }

                if (pass < kept)
                {
                    imap.HeldAnswer = chunk[pass..kept].ToArray();
                    OnImapLoggedIn(imap);
                    return false;
                }

                continue;
            }

            if (read == 0)
            {
                // Relay what is parked first (a BYE), then end.
                _down.SourceEnded = true;
                _backendReadable = false;
                continue;
            }

            var errno = Libc.Errno;
            if (errno == Libc.EAGAIN)
            {
                _backendReadable = false;
                ReleasePipe(ref _down);
                return true;
            }

            if (errno != Libc.EINTR)
            {
                End(Backend, PeerEndClassifier.FromErrno(errno, _backendFd));
                return false;
            }
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
            nint sent = 0;
            if (_clientWritable)
            {
                sent = Libc.Send(_clientFd, p, bytes.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
                if (sent < 0)
                {
                    var errno = Libc.Errno;
                    if (errno != Libc.EAGAIN && errno != Libc.EINTR)
                    {
                        End(Client, PeerEndClassifier.FromErrno(errno, _clientFd));
                        return false;
                    }

                    sent = 0;
                }
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

            var rest = bytes.Length - (int)sent;
            var parked = _down.HasPipe ? Libc.Write(_down.PipeWrite, p + sent, rest) : -1;
            if (parked != rest)
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
    private unsafe bool DrainImapDown()
    {
        while (_down.Pending > 0 && _clientWritable)
        {
            var sent = Libc.Splice(_down.PipeRead, null, _clientFd, null, _down.Pending, SpliceFlags);
            if (sent > 0)
            {
                _down.Pending -= (int)sent;
                continue;
            }

            var errno = Libc.Errno;
            if (sent < 0 && errno == Libc.EAGAIN)
            {
                _clientWritable = false;
                return true;
            }

            if (sent < 0 && errno == Libc.EINTR)
            {
                continue;
            }

            End(Client, PeerEndClassifier.FromErrno(errno, _clientFd));
            return false;
        }

        return true;
    }

    /// <summary>Sends the client's allowed bytes to the backend, letting the held login through when its turn has
    /// come.</summary>
    /// <returns><c>false</c> when the session ended.</returns>
    private unsafe bool ImapToBackend(ImapFlow imap)
    {
        imap.TryReleaseHeld();
        while (imap.Relayed < imap.ForwardEnd)
        {
            if (!_backendWritable)
            {
                return true;
            }

            nint sent;
            fixed (byte* p = &_hello![imap.Relayed])
            {
                sent = Libc.Send(_backendFd, p, imap.ForwardEnd - imap.Relayed, Libc.MSG_NOSIGNAL);
            }

            if (sent > 0)
            {
                Record.AddBytes(fromClient: true, (int)sent, Environment.TickCount64);
                imap.Relayed += (int)sent;
                continue;
            }

            var errno = Libc.Errno;
            if (errno == Libc.EAGAIN)
            {
                _backendWritable = false;
                return true;
            }

            if (errno != Libc.EINTR)
            {
                End(Backend, PeerEndClassifier.FromErrno(errno, _backendFd));
                return false;
            }
        }

        return true;
    }

    /// <summary>SendProxy v2: the header goes first on the fresh backend connection, before the greeting is read.</summary>
    private unsafe bool SendImapProxyHeader()
    {
        var destination = _proxyDestination ?? LocalEndPoint(_clientTcpFd);
        if (destination is null || Record.Client is not IPEndPoint source)
        {
            return true;
        }

        Span<byte> header = stackalloc byte[ProxyHeaderWriter.MaxV2Length];
        var length = ProxyHeaderWriter.WriteV2(header, source, destination);
        nint sent;
        fixed (byte* p = header)
        {
            sent = Libc.Send(_backendFd, p, length, Libc.MSG_NOSIGNAL);
        }

        if (sent != length)
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
        var imap = _imap;
        if (imap?.Tag is null || imap.Phase is ImapPhase.Refusing or ImapPhase.Relaying || _backendFd < 0
            || (imap.Lines.Settled && _down.Pending == 0))
        {
            return false;
        }

        _reactor.RemoveDeadline(this);
        imap.Refusal = admission;
        imap.Phase = ImapPhase.Refusing;
        _state = State.Imap;
        _reactor.AddDeadline(this, _handshakeDeadline);
        DriveImap();
        return true;
    }

    /// <summary>The refusal of the held command: a tagged NO [UNAVAILABLE], then BYE.</summary>
    private void SendImapRefusal(string tag)
    {
        if (SendToClient(ImapRefusal.TaggedNo(tag)))
        {
            SendToClient(ImapBye);
        }

        Libc.Shutdown(_clientFd, Libc.SHUT_WR);
    }

    /// <summary>A session that ends before admission may already hold a backend connection (IMAP connects first):
    /// close it, with what was parked for the client.</summary>
    private void CloseBackendBeforeAdmission()
    {
        if (_backendFd >= 0)
        {
            Libc.Close(_backendFd);
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
