using Usher.Sessions;

namespace Usher.Gateway.Proxy;

/// <summary>What the gateway needs of any open session, whatever moves its bytes (the reactor's splice relay or a
/// TLS stream): the heartbeat reads its record and IdleTimeout, shutdown closes it.</summary>
internal interface IGatewaySession
{
    /// <summary>What is known of the session.</summary>
    SessionRecord Record { get; }

    /// <summary>The listener's IdleTimeout, if any; a reload that changes it applies to the open sessions too.</summary>
    TimeSpan? IdleTimeout { get; }

    /// <summary>Where its idle time counts from (<see cref="Environment.TickCount64"/>): its last activity, or the
    /// reload that last changed IdleTimeout when that came later, so a reload never closes a session at once.</summary>
    long IdleSinceTicks { get; }

    /// <summary>Completes when the session has ended and released its lease.</summary>
    Task Completion { get; }

    /// <summary>Closes the session for <paramref name="reason"/>; the first reason given is the one recorded. Safe
    /// from any thread.</summary>
    void Close(CloseReason reason);
}
