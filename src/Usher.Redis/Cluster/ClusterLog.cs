using Microsoft.Extensions.Logging;
using Usher.Diagnostics;

namespace Usher.Redis.Cluster;

/// <summary>The cluster bus's own lines: two live processes announcing one node name (9666), and the end of it.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = UsherEvents.NodeNameTaken, EventName = "NodeNameTaken", Level = LogLevel.Error,
        Message = "Another live process announces the node name {Node} (instance {Holder}, until {Lapses:u} unless it renews it): this process (instance {Instance}) answers no cluster request for {Node} meanwhile, so a kill of {Node}:<id> never reaches two sessions; its own sessions and limits are not affected. Give each node a name of its own (Ledger:Node); after a crash and a quick restart this ends by itself when the previous life's announcement lapses")]
    public static partial void NodeNameTaken(ILogger logger, string node, string holder, DateTimeOffset lapses, string instance);

    [LoggerMessage(EventId = UsherEvents.NodeNameTaken, EventName = "NodeNameHeld", Level = LogLevel.Information,
        Message = "This process (instance {Instance}) holds the node name {Node} now and answers the cluster's requests for it")]
    public static partial void NodeNameHeld(ILogger logger, string node, string instance);
}
