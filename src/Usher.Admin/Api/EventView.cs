namespace Usher.Admin.Api;

/// <summary>The <c>event</c> messages of <c>GET /api/events</c>: a refusal, reclaim, dead peer, kill or close.</summary>
/// <param name="Kind"><c>refused</c>, <c>reclaimed</c>, <c>peerDead</c>, <c>killed</c> or <c>closed</c>.</param>
/// <param name="EventId">The log event that says the same: 9646, 9647, 9648, 9653, 9642.</param>
/// <param name="At">When (the last one's time, for folded refusals).</param>
/// <param name="Listener">The listener's name.</param>
/// <param name="Identity">The identity.</param>
/// <param name="SessionId">The session (none for a refusal).</param>
/// <param name="Client">The client: the refused one, the newcomer a reclaim admits, the session's own otherwise.</param>
/// <param name="Detail">The close reason, the dead side and detector, who killed, or the limit's scope and policy.</param>
/// <param name="Count">Sessions the identity held when refused.</param>
/// <param name="Limit">The limit that refused.</param>
/// <param name="Repeated">How many refusals this one message stands for (consecutive refusals of one identity are
/// folded into one message); 1 for the other kinds.</param>
public sealed record EventView(
    string Kind,
    int EventId,
    DateTimeOffset At,
    string Listener,
    string Identity,
    long? SessionId,
    string? Client,
    string? Detail,
    int? Count,
    int? Limit,
    int Repeated);
