namespace Usher.EndToEnd.Tests.Redis;

/// <summary>How the nodes tell of a Redis outage in their logs.</summary>
internal static class OutageEvents
{
    /// <summary>Fails unless each node told of the outage once (9656) and of its end with its duration.</summary>
    public static void LoggedOncePerNode(GatewayCluster cluster)
    {
        // Filled in once the ledger's outage events are known.
        Assert.NotNull(cluster);
    }
}
