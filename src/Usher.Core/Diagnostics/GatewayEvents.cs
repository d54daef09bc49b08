using Usher.Control;

namespace Usher.Diagnostics;

/// <summary>The gateway's events for live views (the dashboard): refusals, reclaims, dead peers, kills and closes, as
/// they happen. Publishing never blocks and costs one volatile read when nobody subscribes; each subscriber has a
/// bounded queue of its own that drops its oldest events when it falls behind, so a slow reader never slows the data
/// path nor another reader.</summary>
public sealed class GatewayEvents : IGatewayEventFeed
{
    /// <summary>Events a subscriber may have waiting before the oldest are dropped.</summary>
    public const int DefaultCapacity = 4096;

    private readonly Lock _gate = new();
    private GatewayEventSubscription[] _subscribers = [];

    /// <summary>Subscribers now.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>Whether anyone listens; publishers check it before they build an event.</summary>
    public bool Observed => Volatile.Read(ref _subscribers).Length != 0;

    /// <inheritdoc />
    public GatewayEventSubscription Subscribe(int capacity = DefaultCapacity)
    {
        var subscription = new GatewayEventSubscription(this, capacity);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Hands an event to every subscriber without waiting.</summary>
    public void Publish(GatewayEvent gatewayEvent)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Offer(gatewayEvent);
        }
    }

    internal void Unsubscribe(GatewayEventSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Where(s => s != subscription).ToArray();
        }
    }
}
