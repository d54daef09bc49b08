using System.Globalization;
using System.Text.Json;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Redis;

/// <summary>How a node tells of a Redis outage: one 9656 line when it begins (naming the Redis configuration, not a
/// session), one 9665 line when it ends, with its duration.</summary>
internal static class OutageEvents
{
    /// <summary>The outage lines (9656 naming the configuration) <paramref name="node"/> logged.</summary>
    public static IEnumerable<JsonElement> Began(GatewayNode node) =>
        node.Entries(UsherEvents.LedgerUnavailable).Where(e => e.GetProperty("State").TryGetProperty("Configuration", out _));

    /// <summary>Waits until every node logged the end of the outage (9665), then fails unless each logged its
    /// beginning once and its end once, with a duration of at least <paramref name="atLeast"/>.</summary>
    public static async Task LoggedOncePerNodeAsync(GatewayCluster cluster, TimeSpan atLeast)
    {
        await Eventually.HoldsAsync(() => cluster.Nodes.All(n => n.Entries(UsherEvents.LedgerRecovered).Any()), EndToEnd.Soon,
            $"every node logging the outage's end (9665): {cluster}");
        foreach (var node in cluster.Nodes)
        {
            Assert.Single(Began(node));
            var ended = Assert.Single(node.Entries(UsherEvents.LedgerRecovered)).GetProperty("State");
            var seconds = Number(ended.GetProperty("OutageSeconds"));
            Assert.True(seconds >= atLeast.TotalSeconds, $"{node.Name}: an outage of {seconds} s logged, at least {atLeast} measured");
        }
    }

    /// <summary>A number as the JSON log writes it (a number, or its text).</summary>
    public static double Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.Parse(value.GetString()!, CultureInfo.InvariantCulture);
}
