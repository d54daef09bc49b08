using System.Buffers;
using Usher.Gateway.Engine;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Proxy.Confirm;
using Usher.Gateway.Sockets;
using Usher.Ledger;
using Usher.Protocols.Confirmation;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>Identities the backend confirms (PostgresUser, MqttClientId, MqttUsername, HttpHeader with Basic
/// credentials): a name in a handshake is only a claim until the backend accepts the credentials that came with it.
/// The claimed session takes a place among the identity's unconfirmed claims (MaxUnconfirmedPerIdentity, counted
/// apart from its sessions), connects the backend, replays the handshake and relays both ways while a watcher reads
/// the backend's answers: the authentication exchange passes, a refusal passes and ends the claim, and the accepting
/// answer (AuthenticationOk, the CONNACK, the status line) is held while the ledger admits the session, as any other
/// (the OnLimit policies act then, for a confirmed newcomer only). Admitted, the held answer goes to the client and
/// the relay goes on; refused, the client gets the refusal in its protocol's words instead and the backend
/// connection is closed. HandshakeTimeout bounds it all, from the first byte to the backend's word.</summary>
internal sealed partial class ProxySession
{
    private ConfirmFlow? _confirm;
    private IBackendWatcher? _claimAfterWait;

    /// <summary>Called once the handshake named the identity: starts the claim when the listener's identities are
    /// confirmed by the backend.</summary>
    /// <returns><c>false</c> when they are not (the session is admitted at once, as before).</returns>
    private bool BeginClaim()
    {
        var watcher = BackendConfirmation.WatcherFor(_context.Settings);
        if (watcher is null)
        {
            return false;
        }

        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        if (settings.OnLimit == OnLimitPolicy.Reject
            && _context.Ledger.Count(_context.Scope, identity) is var open && open >= settings.LimitFor(identity))
        {
            // At its limit, with nothing to reclaim: the backend must not see the handshake yet (PostgreSQL would
            // count one more session of the role, an MQTT broker replace the holder of the client id, an HTTP server
            // act on the request). The claim waits in the identity's line for up to ClosingWait, as a pool that
            // closes a connection and opens the next does, holding no place once one came free (ClaimAfterWait),
            // and is refused when none does.
            var refusal = new Admission(null, RefusedBy.Identity, open, settings.LimitFor(identity));
            _claimAfterWait = watcher;
            _state = State.Admitting;
            if (!BeginWaiting(refusal))
            {
                _claimAfterWait = null;
                RefuseClaim(refusal);
            }

            return true;
        }

        return ClaimNow(watcher);
    }

    /// <summary>A claim that waited for its identity to come under its limit goes on: the place it was handed is
    /// given back at once (a claim never holds one), and the backend sees the handshake now.</summary>
    private void ClaimAfterWait(IBackendWatcher watcher, Lease handed)
    {
        _claimAfterWait = null;
        handed.Release(CloseReason.None);
        _reactor.AddDeadline(this, _handshakeDeadline);
        _state = State.Handshaking;
        ClaimNow(watcher);
    }

    private bool ClaimNow(IBackendWatcher watcher)
    {
        var settings = _context.Settings;
        var identity = Record.Identity.Value;
        if (!_context.State.Claims.TryClaim(identity, settings.MaxUnconfirmedPerIdentity, out var count))
        {
            RefuseClaim(new Admission(null, RefusedBy.Unconfirmed, count, settings.MaxUnconfirmedPerIdentity));
            return true;
        }

        var received = _hello.AsSpan(_helloStart, _helloEnd - _helloStart);
        _confirm = new ConfirmFlow(watcher, _context.Handshake!.Refusal(received, identity, default), identity) { Claimed = true };
        _state = State.Confirming;
        _context.Backend.Connect(this);
        return true;
    }

    private void RefuseClaim(Admission refusal)
    {
        EndHandshakePhase();
        _state = State.Admitting;
        Refuse(refusal);
    }

    /// <summary>Called by <see cref="OnConnecting"/> for a claimed session.</summary>
    private void OnClaimConnecting(bool connected)
    {
        if (connected)
        {
            OnClaimConnected();
        }
        else
        {
            AwaitEarlyConnect();
        }
    }

    /// <summary>A backend connect under way for a session that talks to its backend before admission (a claim, an
    /// IMAP session): ConnectTimeout bounds it.</summary>
    private void AwaitEarlyConnect()
    {
        _connectDeadline = Environment.TickCount64 + (long)_context.Settings.ConnectTimeout.TotalMilliseconds;
        _reactor.AddDeadline(this, _connectDeadline);
    }

    /// <summary>An event while such a connect is under way: a failed connect ends the session (9652), a client that
    /// resets meanwhile too.</summary>
    /// <returns><c>true</c> when the connect has completed.</returns>
    private bool EarlyConnectEvent(Readiness events, int side)
    {
        if (side == Backend && (events & (Readiness.Writable | Readiness.Gone)) != 0)
        {
            _connectDeadline = 0;
            if (SocketIo.ConnectProblem(_backendFd) is not { } problem)
            {
                return true;
            }

            BackendUnavailable(problem);
        }
        else if (side == Client && (events & Readiness.Gone) != 0)
        {
            End(Client, PeerEnd.Reset);
        }

        return false;
    }

    private void OnClaimConnected()
    {
        var confirm = _confirm!;
        confirm.Connected = true;
        confirm.Buffer = ArrayPool<byte>.Shared.Rent(ConfirmFlow.BufferBytes);
        _connectDeadline = 0;
        _backendWritable = true;
        if (_context.Settings.SendProxy)
        {
            PrependProxyHeader();
        }

        Record.BackendLocal = LocalEndPoint(BackendTcpFd);
        DriveClaim();
    }

    private void OnClaimEvent(Readiness events, int side)
    {
        if (_confirm!.Connected)
        {
            DriveClaim();
        }
        else if (EarlyConnectEvent(events, side))
        {
            OnClaimConnected();
        }
    }

    private void OnClaimDeadline(long now)
    {
        if (!_confirm!.Connected && _connectDeadline != 0 && now >= _connectDeadline)
        {
            BackendUnavailable($"no answer within ConnectTimeout {_context.Settings.ConnectTimeout}");
            return;
        }

        if (_handshakeDeadline != 0 && now >= _handshakeDeadline)
        {
            var timeout = _context.Settings.HandshakeTimeout;
            RejectHandshake(_confirm.Rejected
                ? $"the backend refused the credentials and did not close within HandshakeTimeout {timeout}"
                : $"the backend did not accept the credentials within HandshakeTimeout {timeout}");
        }
    }

    /// <summary>Replays the handshake, relays the client's bytes (an authentication exchange) and reads the backend's.</summary>
    private void DriveClaim()
    {
        if ((_hello is not null && !FlushHello()) || _state != State.Confirming)
        {
            return;
        }

        if (Move(ref _up, _clientFd, _backendFd, ref _clientReadable, ref _backendWritable, fromClient: true))
        {
            ClaimFromBackend(_confirm!);
        }
    }

    /// <summary>Reads the backend's bytes into the claim's buffer and passes to the client what the watcher lets go.</summary>
    private unsafe void ClaimFromBackend(ConfirmFlow confirm)
    {
        var buffer = confirm.Buffer!;
        while (true)
        {
            if (_down.Pending > 0 && (!DrainImapDown() || _down.Pending > 0))
            {
                return;
            }

            if (_down.SourceEnded)
            {
                End(Backend, PeerEndClassifier.AfterEnd(_backendFd));
                return;
            }

            if (!_backendReadable)
            {
                ReleasePipe(ref _down);
                return;
            }

            var read = SocketIo.Recv(_backendFd, buffer.AsSpan(confirm.End));
            if (read.Moved)
            {
                Record.AddBytes(fromClient: false, read.Count, Environment.TickCount64);
                confirm.End += read.Count;
                if (!PassBackendBytes(confirm))
                {
                    return;
                }

                continue;
            }

            if (read.EndOfStream)
            {
                // The backend ended (it refused, or went away): what it sent goes to the client, then the session ends.
                _down.SourceEnded = true;
                _backendReadable = false;
                if (!ImapToClient(buffer.AsSpan(0, confirm.End)))
                {
                    return;
                }

                confirm.End = 0;
                continue;
            }

            if (read.WouldBlock)
            {
                _backendReadable = false;
                ReleasePipe(ref _down);
                return;
            }

            End(Backend, read.End);
            return;
        }
    }

    /// <summary>Shows the unpassed bytes to the watcher and acts on its verdict.</summary>
    /// <returns><c>false</c> when the session ended or left the claim (confirmed).</returns>
    private bool PassBackendBytes(ConfirmFlow confirm)
    {
        var buffer = confirm.Buffer!;
        var watch = confirm.Rejected ? BackendWatch.Rejected(confirm.End) : confirm.Watcher.Watch(buffer.AsSpan(0, confirm.End));
        if (watch.Verdict == BackendVerdict.Pending && watch.Passed == 0 && confirm.End == buffer.Length)
        {
            // No watcher waits for this much: the backend does not speak the protocol. Let it answer for itself.
            watch = BackendWatch.Rejected(confirm.End);
        }

        if (!ImapToClient(buffer.AsSpan(0, watch.Passed)))
        {
            return false;
        }

        var rest = confirm.End - watch.Passed;
        buffer.AsSpan(watch.Passed, rest).CopyTo(buffer);
        confirm.End = rest;
        switch (watch.Verdict)
        {
            case BackendVerdict.Confirmed:
                OnBackendConfirmed();
                return false;
            case BackendVerdict.Rejected when !confirm.Rejected:
                OnBackendRejected(confirm);
                return _state == State.Confirming;
            default:
                return true;
        }
    }

    /// <summary>The backend accepted the credentials: the claim ends and the ledger decides, as for any session (and
    /// the OnLimit policy acts if the identity is at its limit). The accepting answer waits in the buffer.</summary>
    private void OnBackendConfirmed()
    {
        ReleaseClaim();
        EndHandshakePhase();
        _state = State.Admitting;
        Admit();
    }

    /// <summary>The backend refused the credentials (or answered in a way that accepts nothing): the claim ends now,
    /// and nothing more from the client goes to the backend, which closes after its answer; the session ends then
    /// (or at HandshakeTimeout), never admitted.</summary>
    private void OnBackendRejected(ConfirmFlow confirm)
    {
        confirm.Rejected = true;
        ReleaseClaim();
        if (!_up.Finished)
        {
            _up.Finished = true;
            _backendWriteShut = true;
            SocketIo.ShutdownWrite(_backendFd);
        }
    }

    /// <summary>Called by <see cref="OnAdmission"/> when the ledger admitted a confirmed session: the held answer goes
    /// to the client after what waits for it, and the relay takes over.</summary>
    private void OnConfirmedAdmitted(Admission admission)
    {
        var confirm = _confirm!;
        _confirm = null;
        _lease = admission.Lease;
        _context.Registry.Add(this);
        _context.CountAdmitted(Record, admission);
        _state = State.Relaying;
        var held = confirm.Buffer!;
        var sent = Record.CloseReason == CloseReason.None
            && (_down.Pending == 0 || DrainImapDown())
            && ImapToClient(held.AsSpan(0, confirm.End));
        ArrayPool<byte>.Shared.Return(held);
        if (!sent || Record.CloseReason != CloseReason.None)
        {
            Shut(deadFd: -1);
            return;
        }

        if (_context.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            var identity = Record.Identity.Value;
            _context.Logger.SessionOpened(Record.Id, Record.Identity.Shown, _context.Settings.Name, Record.Client, Record.Backend,
                _context.Ledger.Count(_context.Scope, identity), _context.Settings.LimitFor(identity));
        }

        Pump();
    }

    /// <summary>The refusal of a confirmed session over its limit, in place of the backend's accepting answer.</summary>
    /// <returns><c>false</c> when the session is not a confirmed one (the handshake's own refusal applies).</returns>
    private bool SendConfirmedRefusal()
    {
        if (_confirm is not { Connected: true } confirm)
        {
            return false;
        }

        SendToClient(confirm.Refusal.Span);
        SocketIo.ShutdownWrite(_clientFd);
        return true;
    }

    private void ReleaseClaim()
    {
        if (_confirm is { Claimed: true } confirm)
        {
            confirm.Claimed = false;
            _context.State.Claims.Release(confirm.Identity);
        }
    }

    /// <summary>A claimed session ends before admission: the claim and the buffer go back.</summary>
    private void EndClaim()
    {
        if (_imap is not null)
        {
            ReleaseImapClaim(_imap);
        }

        if (_confirm is not { } confirm)
        {
            return;
        }

        ReleaseClaim();
        DiscardPipe(ref _up);
        if (confirm.Buffer is { } buffer)
        {
            confirm.Buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
