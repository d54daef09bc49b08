using Usher.Diagnostics;

namespace Usher.Core.Tests.Diagnostics;

/// <summary>The event hub behind <c>/api/events</c>: publishing never waits, a slow subscriber loses its oldest events
/// and no one else's.</summary>
public sealed class GatewayEventsTests
{
    private static GatewayEvent Refusal(int n) =>
        new(GatewayEventKind.Refused, 9646, DateTimeOffset.UnixEpoch, "pg", $"user{n}", Count: n, Limit: 1);

    [Fact]
    public void A_subscriber_that_falls_behind_keeps_the_newest_events_and_counts_what_it_lost()
    {
        var hub = new GatewayEvents();
        using var slow = hub.Subscribe(capacity: 4);
        using var fast = hub.Subscribe(capacity: 64);

        for (var i = 1; i <= 10; i++)
        {
            hub.Publish(Refusal(i));
        }

        var kept = new List<string>();
        while (slow.Reader.TryRead(out var e))
        {
            kept.Add(e.Identity);
        }

        Assert.Equal(["user7", "user8", "user9", "user10"], kept);
        Assert.Equal(6, slow.Dropped);
        Assert.Equal(10, fast.Reader.Count);
        Assert.Equal(0, fast.Dropped);
    }

    [Fact]
    public void Nobody_listens_until_someone_subscribes_and_a_disposed_subscription_is_gone()
    {
        var hub = new GatewayEvents();
        Assert.False(hub.Observed);
        hub.Publish(Refusal(1));

        var subscription = hub.Subscribe();
        Assert.True(hub.Observed);
        Assert.Equal(0, subscription.Reader.Count);
        subscription.Dispose();

        Assert.False(hub.Observed);
        Assert.Equal(0, hub.Subscribers);
        Assert.True(subscription.Reader.Completion.IsCompleted);
    }
}
