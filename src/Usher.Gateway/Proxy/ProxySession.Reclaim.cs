using System.Net;
using Usher.Gateway.Engine;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Sockets;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>Waiting for a place, and reclaim on pressure. A newcomer refused by its identity's limit waits in the
/// ledger's line for the identity (<see cref="ISessionLedger.AdmitOrWaitAsync"/>): the release of any of the identity's
/// leases hands its place straight to the oldest waiter, so a client that closes a session and opens the next at once
/// is admitted the moment the old one ends. The wait lasts ClosingWait; when the listener's OnLimit policy can free a
/// session, it acts first and the wait lasts ReclaimWait:
/// <list type="bullet">
/// <item><b>ReclaimDead</b>: each idle session's client socket gets a short keepalive (ProbeInterval × ProbeCount,
/// with TCP_USER_TIMEOUT to match). A live peer's kernel answers the probes and keeps its session (its keepalive is
/// restored afterwards); a vanished one does not, the kernel drops the connection, and the session closes as
/// Reclaimed (event 9647), handing its slot over.</item>
/// <item><b>EvictOldestIdle</b>: the identity's longest-idle session is closed (Evicted).</item>
/// <item><b>Takeover</b>: the identity's oldest session is closed (TakenOver), as an MQTT broker does for a
/// client id seen again.</item>
/// </list>
/// No polling: the newcomer is resumed on its reactor by the hand-off, or refused (9646) when its deadline passes.</summary>
internal sealed partial class ProxySession
{
    private long _waitUntil;
    private long _probeUntil;
    private EndPoint? _reclaimFor;
    private Admission _lastRefusal;
    private CancellationTokenSource? _waitCancel;

    /// <summary>Whether the session's client socket is being probed for a reclaim.</summary>
    public bool Probing => _probeUntil != 0;

    /// <summary>Whether the newcomer waits in its identity's line for a place.</summary>
    internal bool WaitingForPlace => _state == State.Waiting;

    /// <returns><c>false</c> when the newcomer is not to wait (ClosingWait 0 and the Reject policy).</returns>
    private bool BeginWaiting(Admission refusal)
    {
        var settings = _context.Settings;
        if (settings.ClosingWait <= TimeSpan.Zero && settings.OnLimit == OnLimitPolicy.Reject)
        {
            return false;
        }

        _lastRefusal = refusal;
        _state = State.Waiting;
        if (_token == 0)
        {
            RegisterClient();
        }

        _waitCancel = new CancellationTokenSource();
        var identity = Record.Identity.Value;
        var pending = _context.Ledger.AdmitOrWaitAsync(_context.Scope, identity, settings.LimitFor(identity), this, _waitCancel.Token);
        if (pending.IsCompletedSuccessfully)
        {
            // A place came free meanwhile, or the line is full (refused at once).
            DisposeWait();
            OnAdmission(pending.Result);
            return true;
        }

        _ = AwaitAdmissionAsync(pending);
        var candidates = settings.OnLimit == OnLimitPolicy.Reject ? 0 : ApplyPolicy(refusal);
        var wait = candidates > 0 && settings.ReclaimWait > settings.ClosingWait ? settings.ReclaimWait : settings.ClosingWait;
        if (_state != State.Waiting)
        {
            return true;
        }

        if (wait <= TimeSpan.Zero)
        {
            StopWaiting();
            Refuse(_lastRefusal);
            return true;
        }

        _waitUntil = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        _reactor.AddDeadline(this, _waitUntil);
        return true;
    }

    /// <summary>Acts on the identity's sessions as the OnLimit policy says.</summary>
    /// <returns>How many sessions the policy may free.</returns>
    private int ApplyPolicy(Admission refusal)
    {
        var settings = _context.Settings;
        var now = Environment.TickCount64;
        var identity = Record.Identity.Value;
        var candidates = 0;
        switch (settings.OnLimit)
        {
            case OnLimitPolicy.ReclaimDead:
                var minIdle = (long)settings.ProbeMinIdle.TotalMilliseconds;
                var here = _context.Registry.Of(settings.Name, identity);
                foreach (var session in here)
                {
                    if (now - session.Record.LastActivityTicks >= minIdle)
                    {
                        session.RequestProbe(Record.Client);
                        candidates++;
                    }
                }

                // Fewer here than the limit: other nodes of the shared ledger hold the rest; they probe theirs.
                if (_context.Cluster is { } cluster && here.Count < refusal.Limit)
                {
                    cluster.ProbeElsewhere(settings.Name, Record.Identity.Shown, Record.Client.ToString()!);
                    candidates++;
                }

                break;
            case OnLimitPolicy.EvictOldestIdle:
                var idlest = _context.Registry.Of(settings.Name, identity).MinBy(s => s.Record.LastActivityTicks);
                candidates = Evict(idlest, CloseReason.Evicted, "longest idle session of the identity");
                break;
            case OnLimitPolicy.Takeover:
                var oldest = _context.Registry.Of(settings.Name, identity).MinBy(s => s.Record.Id);
                candidates = Evict(oldest, CloseReason.TakenOver, "a new session of the same identity replaces it");
                break;
        }

        if (candidates > 0)
        {
            _context.Logger.ReclaimStarted(Record.Identity.Shown, settings.Name, refusal.Limit, _context.PolicyName, Record.Client, candidates);
        }

        return candidates;
    }

    private int Evict(ProxySession? victim, CloseReason reason, string why)
    {
        if (victim is null)
        {
            return 0;
        }

        if (victim.Record.TrySetCloseReason(reason))
        {
            _context.Logger.SessionReclaimed(victim.Record.Id, victim.Record.Identity.Shown, _context.Settings.Name, reason,
                Record.Client, why);
            _context.Observe(GatewayEventKind.Reclaimed, UsherEvents.SessionReclaimed, victim.Record, $"{reason}: {why}", Record.Client);
        }

        victim.Close(reason);
        return 1;
    }

    /// <summary>The wait's deadline passed with nothing handed over: the refusal stands.</summary>
    private void WaitExpired(long now)
    {
        if (now < _waitUntil)
        {
            return;
        }

        StopWaiting();
        Refuse(_lastRefusal);
    }

    /// <summary>Leaves the identity's line. A hand-off that got there first still arrives (posted): the session,
    /// closed by then, releases that lease at once, so the place goes on to the next waiter.</summary>
    private void StopWaiting()
    {
        if (_waitCancel is { } cancel)
        {
            cancel.Cancel();
            DisposeWait();
        }
    }

    private void DisposeWait()
    {
        _waitCancel?.Dispose();
        _waitCancel = null;
        _waitUntil = 0;
    }

    private void LeaveWaiting()
    {
        StopWaiting();
        _reactor.RemoveDeadline(this);
        _reactor.Unregister(_token);
        _state = State.Closed;
        Record.TrySetCloseReason(CloseReason.ClientClosed);
        CloseClient();
        CloseBackendBeforeAdmission();
        _descriptors.Release(_context);
        _completion?.TrySetResult();
    }

    /// <summary>Asks the session's reactor to probe its client for a reclaim, or for an operator when
    /// <paramref name="newcomer"/> is <c>null</c> (a client found dead then ends as ClientDead); safe from any
    /// thread.</summary>
    internal void RequestProbe(EndPoint? newcomer)
    {
        if (_reactor.OnThread)
        {
            StartProbe(newcomer);
        }
        else
        {
            _reactor.Post(this, () => StartProbe(newcomer));
        }
    }

    private void StartProbe(EndPoint? newcomer)
    {
        if (_state != State.Relaying || _probeUntil != 0)
        {
            return;
        }

        var settings = _context.Settings;
        var budget = settings.ProbeInterval * settings.ProbeCount;
        _reclaimFor = newcomer;
        ReadTcpInfo();
        SocketTuning.SetKeepalive(_clientTcpFd, settings.ProbeInterval, settings.ProbeInterval, settings.ProbeCount);
        SocketTuning.SetUserTimeout(_clientTcpFd, budget);
        _probeUntil = Environment.TickCount64 + (long)(budget + settings.ProbeInterval).TotalMilliseconds + 500;
        _reactor.AddDeadline(this, _probeUntil);
    }

    /// <summary>The peer answered every probe: it is alive, give it back its own keepalive.</summary>
    private void EndProbe()
    {
        _probeUntil = 0;
        _reclaimFor = null;
        if (_state != State.Relaying)
        {
            return;
        }

        ReadTcpInfo();
        var settings = _context.Settings;
        SocketTuning.SetKeepalive(_clientTcpFd, settings.Keepalive.Idle, settings.Keepalive.Interval, settings.Keepalive.Count);
        SocketTuning.SetUserTimeout(_clientTcpFd, settings.UserTimeout);
    }

    /// <summary>A probed client found dead: reclaimed, not merely dead.</summary>
    private bool TryReclaim()
    {
        if (_probeUntil == 0 || _reclaimFor is null || !Record.TrySetCloseReason(CloseReason.Reclaimed))
        {
            return false;
        }

        var why = $"the client did not answer {_context.Settings.ProbeCount} keepalive probe(s)";
        _context.Logger.SessionReclaimed(Record.Id, Record.Identity.Shown, _context.Settings.Name, CloseReason.Reclaimed,
            _reclaimFor, why);
        _context.Observe(GatewayEventKind.Reclaimed, UsherEvents.SessionReclaimed, Record, $"Reclaimed: {why}", _reclaimFor);
        return true;
    }
}
