using System.Text.Json;
using Usher.Diagnostics;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>Refusals as a node's JSON log tells them: the first refusal of an identity in an interval is one line,
/// the rest of the interval one folded line with the count (<c>Refused</c>).</summary>
internal static class RefusalCounts
{
    /// <summary>Refusals with event <paramref name="eventId"/> (9646 or 9656) logged by <paramref name="node"/> so far.</summary>
    public static int Of(GatewayNode node, int eventId = UsherEvents.SessionLimitExceeded) =>
        node.Entries(eventId).Sum(e => e.GetProperty("State").TryGetProperty("Refused", out var folded) ? Number(folded) : 1);

    /// <summary>The sum over <paramref name="nodes"/>.</summary>
    public static int Of(IEnumerable<GatewayNode> nodes, int eventId = UsherEvents.SessionLimitExceeded) => nodes.Sum(n => Of(n, eventId));

    private static int Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetInt32() : int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
