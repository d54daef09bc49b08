using System.Threading.Channels;

namespace Usher.Diagnostics;

/// <summary>One subscriber's queue of gateway events.</summary>
public sealed class GatewayEventSubscription : IDisposable
{
    private readonly GatewayEvents _hub;
    private readonly Channel<GatewayEvent> _queue;
    private long _dropped;

    internal GatewayEventSubscription(GatewayEvents hub, int capacity)
    {
        _hub = hub;
        _queue = Channel.CreateBounded<GatewayEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>The events, oldest first.</summary>
    public ChannelReader<GatewayEvent> Reader => _queue.Reader;

    /// <summary>Events dropped because this subscriber fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public void Dispose()
    {
        _hub.Unsubscribe(this);
        _queue.Writer.TryComplete();
    }

    internal void Offer(GatewayEvent gatewayEvent) => _queue.Writer.TryWrite(gatewayEvent);
}
