namespace Usher.Control;

/// <summary>An operator's probe of one session's client (<see cref="ISessionControl.Probe"/>): its keepalive is
/// shortened now, as a reclaim's is. A client that answers keeps its session (and its own keepalive back); one that
/// does not is dropped by the kernel and the session ends as <c>ClientDead</c> (events 9648 and 9642).</summary>
/// <param name="Id">The session's id.</param>
/// <param name="Budget">How long the client has to answer: the listener's ProbeInterval × ProbeCount.</param>
/// <param name="Started">Whether this call started the probe; <c>false</c> when one (an operator's or a reclaim's)
/// was already under way, which goes on.</param>
public sealed record SessionProbe(long Id, TimeSpan Budget, bool Started);
