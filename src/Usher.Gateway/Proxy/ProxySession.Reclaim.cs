using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Gateway.Diagnostics;
using Usher.Gateway.Native;
using Usher.Gateway.Sockets;
using Usher.Ledger;
using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>Reclaim on pressure. When an identity is at its limit, the newcomer waits (up to ReclaimWait) while the
/// identity's sessions are dealt with by the listener's OnLimit policy:
/// <list type="bullet">
/// <item><b>ReclaimDead</b>: each idle session's client socket gets a short keepalive (ProbeInterval × ProbeCount,
/// with TCP_USER_TIMEOUT to match). A live peer's kernel answers the probes and keeps its session (its keepalive is
/// restored afterwards); a vanished one does not, the kernel drops the connection, and the session closes as
/// Reclaimed (event 9647), freeing the slot.</item>
/// <item><b>EvictOldestIdle</b>: the identity's longest-idle session is closed (Evicted).</item>
/// <item><b>Takeover</b>: the identity's oldest session is closed (TakenOver), as an MQTT broker does for a
/// client id seen again.</item>
/// </list>
/// The newcomer retries admission every 50 ms; when nothing frees a slot in time, the refusal (9646) stands.</summary>
public sealed partial class ProxySession
{
    private const int RetryEveryMs = 50;
    private long _waitUntil;
    private long _probeUntil;
    private EndPoint? _reclaimFor;
    private Admission _lastRefusal;

    /// <summary>Whether the session's client socket is being probed for a reclaim.</summary>
    public bool Probing => _probeUntil != 0;

    /// <returns><c>false</c> when there is nothing the policy could free.</returns>
    private bool BeginReclaim(Admission refusal)
    {
        var settings = _context.Settings;
        var now = Environment.TickCount64;
        var identity = Record.Identity.Value;
        var candidates = 0;
        switch (settings.OnLimit)
        {
            case OnLimitPolicy.ReclaimDead:
                var minIdle = (long)settings.ProbeMinIdle.TotalMilliseconds;
                foreach (var session in _context.Registry.Of(settings.Name, identity))
                {
                    if (now - session.Record.LastActivityTicks >= minIdle)
                    {
                        session.RequestProbe(Record.Client);
                        candidates++;
                    }
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

        if (candidates == 0)
        {
            return false;
        }

        _context.Logger.ReclaimStarted(Record.Identity.Shown, settings.Name, refusal.Limit, _context.PolicyName, Record.Client, candidates);
        _lastRefusal = refusal;
        _state = State.Waiting;
        _waitUntil = now + (long)settings.ReclaimWait.TotalMilliseconds;
        if (_token == 0)
        {
            RegisterClient();
        }

        _reactor.AddDeadline(this, now + RetryEveryMs);
        return true;
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

    private void RetryAdmission(long now)
    {
        var identity = Record.Identity.Value;
        var pending = _context.Ledger.TryAdmitAsync(_context.Scope, identity, _context.Settings.LimitFor(identity), this);
        var admission = pending.IsCompletedSuccessfully ? pending.Result : _lastRefusal;
        if (admission.Admitted)
        {
            OnAdmission(admission);
            return;
        }

        if (admission.RefusedBy != RefusedBy.None)
        {
            _lastRefusal = admission;
        }

        if (now >= _waitUntil)
        {
            Refuse(_lastRefusal);
            return;
        }

        _reactor.AddDeadline(this, now + RetryEveryMs);
    }

    private void LeaveWaiting()
    {
        _reactor.RemoveDeadline(this);
        _reactor.Unregister(_token);
        _state = State.Closed;
        Record.TrySetCloseReason(CloseReason.ClientClosed);
        Libc.Close(_clientFd);
        CloseBackendBeforeAdmission();
        _completion?.TrySetResult();
    }

    /// <summary>Asks the session's reactor to probe its client for a reclaim; safe from any thread.</summary>
    internal void RequestProbe(EndPoint newcomer)
    {
        if (_reactor.OnThread)
        {
            StartProbe(newcomer);
        }
        else
        {
            _reactor.Post(() => StartProbe(newcomer));
        }
    }

    private void StartProbe(EndPoint newcomer)
    {
        if (_state != State.Relaying || _probeUntil != 0)
        {
            return;
        }

        var settings = _context.Settings;
        var budget = settings.ProbeInterval * settings.ProbeCount;
        _reclaimFor = newcomer;
        ReadTcpInfo();
        SocketTuning.SetKeepalive(_clientFd, settings.ProbeInterval, settings.ProbeInterval, settings.ProbeCount);
        SocketTuning.SetUserTimeout(_clientFd, budget);
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
        SocketTuning.SetKeepalive(_clientFd, settings.Keepalive.Idle, settings.Keepalive.Interval, settings.Keepalive.Count);
        SocketTuning.SetUserTimeout(_clientFd, settings.UserTimeout);
    }

    /// <summary>A probed client found dead: reclaimed, not merely dead.</summary>
    private bool TryReclaim()
    {
        if (_probeUntil == 0 || !Record.TrySetCloseReason(CloseReason.Reclaimed))
        {
            return false;
        }

        var why = $"the client did not answer {_context.Settings.ProbeCount} keepalive probe(s)";
        _context.Logger.SessionReclaimed(Record.Id, Record.Identity.Shown, _context.Settings.Name, CloseReason.Reclaimed,
            _reclaimFor!, why);
        _context.Observe(GatewayEventKind.Reclaimed, UsherEvents.SessionReclaimed, Record, $"Reclaimed: {why}", _reclaimFor);
        return true;
    }
}
