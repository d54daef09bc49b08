using Usher.Diagnostics;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Refusals as a node's JSON log tells them: the first refusal of an identity in an interval is one line,
/// the rest of the interval one folded line with the count (<c>Refused</c>).</summary>
internal static class RefusalCounts
{
    /// <summary>Refusals of sessions with event <paramref name="eventId"/> (9646, or 9656 naming an identity: not the
    /// line that opens an outage) logged by <paramref name="node"/> so far.</summary>
    public static int Of(GatewayNode node, int eventId = UsherEvents.SessionLimitExceeded) =>
        node.Entries(eventId).Select(e => e.GetProperty("State")).Where(s => s.TryGetProperty("Identity", out _))
            .Sum(s => s.TryGetProperty("Refused", out var folded) ? (int)OutageEvents.Number(folded) : 1);

    /// <summary>The sum over <paramref name="nodes"/>.</summary>
    public static int Of(IEnumerable<GatewayNode> nodes, int eventId = UsherEvents.SessionLimitExceeded) => nodes.Sum(n => Of(n, eventId));
}
