using Usher.Configuration;
using Usher.Ledger;

namespace Usher.Gateway.Proxy;

/// <summary>What one listener, known by its name, keeps across reloads while its <see cref="ListenerContext"/> is
/// replaced: the ledger scope, so sessions opened before and after a reload count together, and the IdleTimeout every
/// open session of the listener follows.</summary>
internal sealed class ListenerState(LedgerScope scope)
{
    private const long NoTimeout = -1;
    private long _idleTimeoutTicks = NoTimeout;
    private long _idleTimeoutSince;

    /// <summary>The listener's connections in their handshake, by source address (MaxHandshakesPerSource).</summary>
    public HandshakesPerSource Handshakes { get; } = new();

    /// <summary>The listener's counters in the ledger.</summary>
    public LedgerScope Scope => scope;

    /// <summary>The listener's sessions whose credentials the backend has not accepted yet, per identity.</summary>
    public UnconfirmedClaims Claims { get; } = new();

    /// <summary>The listener's IdleTimeout now; <c>null</c> for none.</summary>
    public TimeSpan? IdleTimeout => Volatile.Read(ref _idleTimeoutTicks) is var ticks and not NoTimeout
        ? TimeSpan.FromTicks(ticks)
        : null;

    /// <summary>When IdleTimeout last changed by a reload (<see cref="Environment.TickCount64"/>), 0 if never. Read it
    /// after <see cref="IdleTimeout"/>: it is written first.</summary>
    public long IdleTimeoutSince => Volatile.Read(ref _idleTimeoutSince);

    /// <summary>Takes the listener's limits from its settings (at start and on every reload): the listener-wide
    /// MaxSessions of the scope and the IdleTimeout. A changed IdleTimeout counts from <paramref name="now"/> for the
    /// sessions already open, so a reload never closes one at once.</summary>
    public void Apply(ListenerSettings settings, long now)
    {
        scope.MaxSessions = settings.MaxSessions;
        var ticks = settings.IdleTimeout?.Ticks ?? NoTimeout;
        if (ticks == Volatile.Read(ref _idleTimeoutTicks))
        {
            return;
        }

        Volatile.Write(ref _idleTimeoutSince, now);
        Volatile.Write(ref _idleTimeoutTicks, ticks);
    }
}
