using System.Net;
using Usher.Diagnostics;
using Usher.Gateway.Engine;
using Usher.Gateway.Native;
using Usher.Gateway.Sockets;
using Usher.Identity;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>One client connection from accept to close, driven by its reactor: identity, admission, backend
/// connect, then payload moved by splice(2) through pipes rented only while data flows. Both sockets are
/// edge-triggered in one epoll set and never re-armed. The session is its own lease (admission allocates nothing),
/// released exactly once, whatever ends it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The wait's cancellation source is disposed when the wait ends (DisposeWait); nothing else owns the session.")]
internal sealed partial class ProxySession : Lease, IReactorHandler, IGatewaySession
{
    private const int Client = 0;
    private const int Backend = 1;

    private readonly ListenerContext _context;
    private readonly Reactor _reactor;
    private int _clientFd;
    private int _backendFd = -1;
    private ulong _token;
    private volatile State _state;
    private Lease? _lease;
    private Flow _up = Flow.Empty;
    private Flow _down = Flow.Empty;
    private bool _clientReadable;
    private bool _clientEnding;
    private bool _backendEnding;
    private bool _clientGone;
    private bool _backendGone;
    private bool _backendWriteShut;
    private bool _clientWritable;
    private bool _backendReadable;
    private bool _backendWritable;
    private TaskCompletionSource? _completion;
    private long _connectDeadline;
    private bool _admissionPending;
    private DescriptorHold _descriptors;

    private ProxySession(ListenerContext context, Reactor reactor, int clientFd, SessionRecord record)
    {
        _context = context;
        _reactor = reactor;
        _clientFd = clientFd;
        _clientTcpFd = clientFd;
        Record = record;
    }

    private enum State : byte
    {
        Handshaking,
        Admitting,
        Waiting,
        Connecting,
        Relaying,
        Closed,
        /// <summary>IMAP before its login is settled (ProxySession.Imap.cs).</summary>
        Imap,
        /// <summary>A claimed identity until the backend accepts its credentials (ProxySession.Confirm.cs).</summary>
        Confirming,
    }

    /// <summary>What is known of the session.</summary>
    public SessionRecord Record { get; }

    /// <summary>The listener's IdleTimeout, if any.</summary>
    public TimeSpan? IdleTimeout => _context.State.IdleTimeout;

    /// <inheritdoc />
    public override long? SessionId => Record.Id;

    /// <inheritdoc />
    public long IdleSinceTicks => Math.Max(Record.LastActivityTicks, _context.State.IdleTimeoutSince);

    /// <summary>Completes when the session has ended and released its lease.</summary>
    public Task Completion
    {
        get
        {
            if (_completion is null)
            {
                Interlocked.CompareExchange(ref _completion, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
                if (_state == State.Closed)
                {
                    _completion.TrySetResult();
                }
            }

            return _completion.Task;
        }
    }

    /// <summary>Where the registry indexed the session (listener, identity); <c>null</c> while it is not registered.</summary>
    internal (string Listener, string Identity)? RegistryKey { get; set; }

    /// <summary>The reactor that owns the session.</summary>
    internal Reactor Reactor => _reactor;

    /// <summary>The client's TCP socket's descriptor (for diagnostics; owned by the reactor, or by the TLS bridge).</summary>
    internal int ClientFd => _clientTcpFd;

    /// <summary>The backend socket's descriptor, or -1 before the connect.</summary>
    internal int BackendFd => _backendFd;

    /// <summary>Closes the session for <paramref name="reason"/> (kill, idle timeout, shutdown, reclaim); the first
    /// reason given is the one recorded. Safe from any thread.</summary>
    public void Close(CloseReason reason)
    {
        Record.TrySetCloseReason(reason);
        if (_reactor.OnThread)
        {
            Shut(deadFd: -1);
        }
        else
        {
            _reactor.PostClose(this);
        }
    }

    /// <summary>Starts a session for an accepted client socket; runs on the reactor thread.</summary>
    internal static void Start(ListenerContext context, Reactor reactor, int clientFd, IPEndPoint client)
    {
        if (context.ConnectRate is { } rate && context.Settings.TrustedProxies.Count == 0
            && !rate.TryAcquire(client.Address, Environment.TickCount64))
        {
            context.Metrics.RateLimited(context.Settings.Name);
            SocketIo.Close(clientFd);
            return;
        }

        var expectProxyHeader = context.Settings.TrustedProxies.Count > 0;
        var imap = SpeaksImap(context);
        var tls = context.Tls is not null;
        var handshake = context.Handshake is not null || expectProxyHeader || imap || tls;
        if (!AcceptGate.TryEnter(context, clientFd, client, handshake, out var perSource))
        {
            return;
        }

        var identity = context.Identify(IdentityKind.SourceIp, client.Address.ToString());
        var record = new SessionRecord(context.Registry.NextId(), context.Settings.Name, identity, client,
            context.Time.GetUtcNow(), Environment.TickCount64);
        var session = new ProxySession(context, reactor, clientFd, record) { _descriptors = DescriptorHold.Taken(perSource) };
        if (expectProxyHeader && !IsTrusted(context.Settings, client.Address))
        {
            session._state = State.Handshaking;
            session.RejectHandshake($"{client.Address} is not a trusted proxy (TrustedProxies); PROXY headers are accepted only from those");
            return;
        }

        if (!handshake)
        {
            session._state = State.Admitting;
            session.Admit();
        }
        else
        {
            session._awaitingProxyHeader = expectProxyHeader;
            session.BeginHandshake();
            if (tls && !expectProxyHeader && context.Settings.Identity != IdentityKind.PostgresUser)
            {
                session.BeginTls();
            }
            else if (imap && !expectProxyHeader && !tls)
            {
                session.BeginImap();
            }
        }
    }

    internal static bool IsTrusted(Configuration.ListenerSettings settings, IPAddress address)
    {
        foreach (var network in settings.TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private void Admit()
    {
        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        var pending = _context.Ledger.TryAdmitAsync(_context.Scope, identity, settings.LimitFor(identity), this);
        if (pending.IsCompletedSuccessfully)
        {
            OnAdmission(pending.Result);
            return;
        }

        // The ledger answers later (a networked one): watch the client meanwhile, so that one that leaves ends the
        // session now, and the lease that comes after it is released at once (OnAdmission).
        if (_token == 0)
        {
            RegisterClient();
        }

        _admissionPending = true;
        _ = AwaitAdmissionAsync(pending);
    }

    private async Task AwaitAdmissionAsync(ValueTask<Admission> pending)
    {
        Admission admission;
        try
        {
            admission = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _reactor.Post(this, () => OnFault(e));
            return;
        }

        _reactor.Post(this, () => OnAdmission(admission));
    }

    private void OnAdmission(Admission admission)
    {
        _admissionPending = false;
        if (_state == State.Closed)
        {
            // Ended while the ledger was deciding.
            admission.Lease?.Release(Record.CloseReason);
            return;
        }

        if (!admission.Admitted)
        {
            if (_state == State.Admitting && admission.RefusedBy == RefusedBy.Identity && BeginWaiting(admission))
            {
                return;
            }

            Refuse(admission);
            return;
        }

        if (_state == State.Waiting)
        {
            // Handed a place by a session of the identity that ended.
            DisposeWait();
            _reactor.RemoveDeadline(this);
        }

        if (_claimAfterWait is { } watcher)
        {
            ClaimAfterWait(watcher, admission.Lease!);
            return;
        }

        if (_imap is not null)
        {
            OnImapAdmitted(admission);
            return;
        }

        if (_confirm is not null)
        {
            OnConfirmedAdmitted(admission);
            return;
        }

        _lease = admission.Lease;
        _context.Registry.Add(this);
        _context.CountAdmitted(Record, admission);
        if (_token == 0)
        {
            RegisterClient();
        }

        _state = State.Admitting;

        if (Record.CloseReason != CloseReason.None)
        {
            Shut(deadFd: -1);
            return;
        }

        _context.Backend.Connect(this);
    }

    private void RegisterClient()
    {
        _token = _reactor.Register(this);
        _reactor.Watch(_clientFd, _token, Client);
    }

    private void Refuse(Admission admission)
    {
        if (DeferImapRefusal(admission))
        {
            return;
        }

        var wasWaiting = _state == State.Waiting;
        _state = State.Closed;
        Record.TrySetCloseReason(CloseReason.Refused);
        _context.CountRefusal(Record, admission);
        if (wasWaiting)
        {
            StopWaiting();
            _reactor.RemoveDeadline(this);
        }

        if (_token != 0)
        {
            _reactor.Unregister(_token);
        }

        SendRefusal(admission);
        CloseClient();
        CloseBackendBeforeAdmission();
        _descriptors.Release(_context);
        ReturnHello();
        _completion?.TrySetResult();
    }

    /// <summary>Called by the connector with a socket whose connect is under way (or done).</summary>
    internal void OnConnecting(int backendFd, IPEndPoint backend, bool connected)
    {
        if (_state == State.Closed)
        {
            SocketIo.Close(backendFd);
            return;
        }

        _backendFd = backendFd;
        _descriptors.BackendOpened(_context);
        Record.Backend = backend;
        _reactor.Watch(_backendFd, _token, Backend);
        if (_state == State.Imap)
        {
            OnImapConnecting(connected);
            return;
        }

        if (_state == State.Confirming)
        {
            OnClaimConnecting(connected);
            return;
        }

        if (connected)
        {
            OnConnected();
            return;
        }

        _state = State.Connecting;
        _connectDeadline = Environment.TickCount64 + (long)_context.Settings.ConnectTimeout.TotalMilliseconds;
        _reactor.AddDeadline(this, _connectDeadline);
    }

    /// <summary>Called by the connector when no connect could be started (or resolution failed).</summary>
    internal void OnConnectFailed(string problem)
    {
        if (_state == State.Closed)
        {
            return;
        }

        BackendUnavailable(problem);
    }

    private void OnConnected()
    {
        _state = State.Relaying;
        _backendWritable = true;
        if (_context.Settings.SendProxy && _backendBridge is null)
        {
            PrependProxyHeader();
        }

        Record.BackendLocal = LocalEndPoint(BackendTcpFd);

        // A passthrough (a PostgreSQL CancelRequest) was never admitted: it is no session and has no identity to log.
        if (_lease is not null && _context.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            var identity = Record.Identity.Value;
            var count = _context.Ledger.Count(_context.Scope, identity);
            _context.Logger.SessionOpened(Record.Id, Record.Identity.Shown, _context.Settings.Name, Record.Client, Record.Backend,
                count, _context.Settings.LimitFor(identity));
        }

        Pump();
    }

    private void BackendUnavailable(string problem)
    {
        Record.TrySetCloseReason(CloseReason.BackendUnavailable);
        _context.Metrics.BackendFailed(_context.Settings.Name);
        var elapsed = (long)(_context.Time.GetUtcNow() - Record.StartedAt).TotalMilliseconds;
        _context.Logger.BackendUnavailable(_context.Settings.Backend, _context.Settings.Name, Record.Client,
            Record.Identity.Shown, problem, elapsed);
        Shut(deadFd: -1);
    }

    void IReactorHandler.OnEvent(Readiness events, int side)
    {
        const Readiness readable = Readiness.Readable | Readiness.Ending;
        const Readiness writable = Readiness.Writable | Readiness.Gone;
        const Readiness ending = Readiness.Ending;
        const Readiness gone = Readiness.Gone;

        // A hang-up on the backend socket once the client's half-close was passed on only says both halves are over
        // (the backend sent its FIN too); the read of 0 ends the session in order. An error is still an error.
        if (side == Backend && _backendWriteShut)
        {
            events &= ~Readiness.Hangup;
        }

        if (side == Client)
        {
            _clientReadable |= (events & readable) != 0;
            _clientEnding |= (events & ending) != 0;
            _clientGone |= (events & gone) != 0;
            _clientWritable |= (events & writable) != 0;
        }
        else
        {
            _backendReadable |= (events & readable) != 0;
            _backendEnding |= (events & ending) != 0;
            _backendGone |= (events & gone) != 0;
            _backendWritable |= (events & writable) != 0;
        }

        switch (_state)
        {
            case State.Handshaking when side == Client && _clientFd >= 0:
                ReadHandshake();
                break;
            case State.Relaying:
                Pump();
                break;
            case State.Imap:
                OnImapEvent(events, side);
                break;
            case State.Confirming:
                OnClaimEvent(events, side);
                break;
            case State.Connecting when side == Backend && (events & writable) != 0:
                FinishConnect();
                break;
            case State.Waiting when side == Client && ClientGaveUp(events):
                // The client left while waiting for a place: it leaves the line, nothing was admitted.
                LeaveWaiting();
                break;
            case State.Admitting when side == Client && _admissionPending && ClientGaveUp(events):
                // The client left while the ledger was deciding: a lease it grants after this is released as it
                // comes (OnAdmission).
                End(Client, (events & Readiness.Gone) != 0 ? PeerEnd.Reset : PeerEnd.Closed);
                break;
            case State.Connecting when side == Client && ClientGaveUp(events):
                // The client left while the backend was still connecting: its slot is free at once.
                End(Client, (events & Readiness.Gone) != 0 ? PeerEnd.Reset : PeerEnd.Closed);
                break;
        }
    }

    /// <summary>Whether a client event before the relay ends the session: a reset or hang-up always; a FIN too,
    /// unless the client sent bytes before it (a request followed by its half-close, as <c>nc -N</c> sends): those
    /// bytes are relayed once the backend is connected, then the FIN is handled as in the relay (passed on with
    /// HalfClose, ending the session without). Closing a socket whose bytes were never read would send the client a
    /// reset instead of an orderly end.</summary>
    private bool ClientGaveUp(Readiness events)
    {
        if ((events & Readiness.Gone) != 0)
        {
            return true;
        }

        return (events & Readiness.PeerClosedWrite) != 0 && !SocketIo.HasUnread(_clientFd);
    }

    private void FinishConnect()
    {
        _connectDeadline = 0;
        if (SocketIo.ConnectProblem(_backendFd) is { } problem)
        {
            BackendUnavailable(problem);
            return;
        }

        OnConnected();
    }

    void IReactorHandler.OnDeadline(long now)
    {
        if (_state == State.Imap)
        {
            OnImapDeadline(now);
            return;
        }

        if (_state == State.Confirming)
        {
            OnClaimDeadline(now);
            return;
        }

        if (_state == State.Connecting && now >= _connectDeadline)
        {
            BackendUnavailable($"no answer within ConnectTimeout {_context.Settings.ConnectTimeout}");
            return;
        }

        if (_state == State.Waiting)
        {
            WaitExpired(now);
            return;
        }

        if (_state == State.Handshaking && _handshakeDeadline != 0 && now >= _handshakeDeadline)
        {
            RejectHandshake($"no complete handshake within HandshakeTimeout {_context.Settings.HandshakeTimeout}");
            return;
        }

        if (_probeUntil != 0 && now >= _probeUntil)
        {
            EndProbe();
        }
    }

    void IReactorHandler.OnPosted() => Shut(deadFd: -1);

    /// <summary>The ledger took the lease back (a networked ledger lost it): the session ends as Revoked (event 9662).
    /// Called on the ledger's thread; the close runs on the reactor's.</summary>
    protected override void OnRevoked(string why)
    {
        if (Record.TrySetCloseReason(CloseReason.Revoked))
        {
            _context.Logger.LeaseRevoked(Record.Id, Record.Identity.Shown, _context.Settings.Name, why);
        }

        Close(CloseReason.Revoked);
    }

    /// <summary>An unexpected exception on the reactor thread: end the session, keep the gateway.</summary>
    public void OnFault(Exception exception)
    {
        if (Record.TrySetCloseReason(CloseReason.Error))
        {
            _context.Logger.SessionFailed(exception, Record.Id, _context.Settings.Name);
        }

        Shut(deadFd: -1);
    }

    private static IPEndPoint? LocalEndPoint(int fd) => SockAddr.Local(fd);
}
