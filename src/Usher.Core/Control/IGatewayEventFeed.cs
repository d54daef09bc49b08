using Usher.Diagnostics;

namespace Usher.Control;

/// <summary>The gateway's events as they happen (refusals, reclaims, dead peers, kills, closes), for live views: what
/// the dashboard's <c>/api/events</c> stream subscribes to. Subscribing never slows the data path: each subscriber
/// has a bounded queue of its own that drops its oldest events when it falls behind.</summary>
public interface IGatewayEventFeed
{
    /// <summary>Starts receiving events; dispose the subscription to stop.</summary>
    /// <param name="capacity">Events that may wait before the oldest are dropped.</param>
    GatewayEventSubscription Subscribe(int capacity = GatewayEvents.DefaultCapacity);
}
