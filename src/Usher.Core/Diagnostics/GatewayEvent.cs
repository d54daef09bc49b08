namespace Usher.Diagnostics;

/// <summary>One event of the gateway, for live views. Built only when someone subscribes.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="EventId">The log event that says the same (9646, 9647, 9648, 9653, 9642).</param>
/// <param name="At">When.</param>
/// <param name="Listener">The listener's name.</param>
/// <param name="Identity">The identity concerned.</param>
/// <param name="SessionId">The session, when one was admitted (not for refusals).</param>
/// <param name="Client">The client's address: the refused one, or the newcomer a reclaim admits.</param>
/// <param name="Detail">The close reason (closes, reclaims), the side and detector (dead peers), who killed (kills),
/// the limit's scope and policy (refusals).</param>
/// <param name="Count">Sessions the identity held (refusals).</param>
/// <param name="Limit">The limit that refused (refusals).</param>
public sealed record GatewayEvent(
    GatewayEventKind Kind,
    int EventId,
    DateTimeOffset At,
    string Listener,
    string Identity,
    long? SessionId = null,
    string? Client = null,
    string? Detail = null,
    int? Count = null,
    int? Limit = null);
