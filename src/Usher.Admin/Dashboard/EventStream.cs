using System.Text;
using Microsoft.AspNetCore.Http;
using Usher.Admin.Api;
using Usher.Admin.Endpoints;
using Usher.Control;
using Usher.Diagnostics;

namespace Usher.Admin.Dashboard;

/// <summary>One client of <c>GET /api/events</c> (server-sent events): a <c>snapshot</c> at once, a <c>status</c>
/// about every second, an <c>event</c> for every refusal, reclaim, dead peer, kill and close as it happens (runs of
/// refusals of one identity folded into one message), and a comment line now and then so that proxies keep an idle
/// stream open. Its subscription to the gateway's events ends with the request.</summary>
internal sealed class EventStream
{
    /// <summary>Between two <c>status</c> messages.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(1);

    /// <summary>Between two heartbeat comments.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>After it writes events, the stream gathers what comes for this long before it writes again: the first
    /// event after a quiet spell goes out at once, and a gateway closing thousands of sessions a second wakes the
    /// stream about ten times a second rather than once per session.</summary>
    public static readonly TimeSpan GatherInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Events written in one go before the stream flushes and looks at the clock again.</summary>
    private const int MaxBatch = 256;

    private readonly AdminContext _admin;
    private readonly HttpResponse _response;
    private long _lastHeartbeat = Environment.TickCount64;

    private EventStream(AdminContext admin, HttpResponse response)
    {
        _admin = admin;
        _response = response;
    }

    /// <summary>Serves the stream until the client goes away or <paramref name="stopping"/> fires.</summary>
    public static async Task ServeAsync(AdminContext admin, HttpContext context, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";

        // Subscribed before the snapshot is taken: nothing that happens after it is missed.
        using var subscription = admin.Gateway.Events.Subscribe();
        var stream = new EventStream(admin, response);
        try
        {
            await stream.RunAsync(subscription, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the endpoint stops.
        }
        catch (IOException)
        {
            // The connection broke under a write.
        }
    }

    /// <summary>A gateway event as the stream shows it.</summary>
    internal static EventView ViewOf(GatewayEvent e, int repeated = 1) =>
        new(KindName(e.Kind), e.EventId, e.At, e.Listener, e.Identity, e.SessionId, e.Client, e.Detail, e.Count, e.Limit, repeated);

    private async Task RunAsync(GatewayEventSubscription subscription, CancellationToken cancellationToken)
    {
        await WriteAsync("retry: 2000\n\n", cancellationToken).ConfigureAwait(false);
        await WriteFrameAsync("snapshot", cancellationToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(StatusInterval);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        var ready = subscription.Reader.WaitToReadAsync(cancellationToken).AsTask();
        while (true)
        {
            var done = await Task.WhenAny(tick, ready).ConfigureAwait(false);
            if (done == ready)
            {
                if (!await ready.ConfigureAwait(false))
                {
                    return;
                }

                ready = await WriteEventsAsync(subscription, cancellationToken).ConfigureAwait(false)
                    ? GatherAsync(subscription, cancellationToken)
                    : Task.FromResult(true);
            }
            else
            {
                if (!await tick.ConfigureAwait(false))
                {
                    return;
                }

                await WriteFrameAsync("status", cancellationToken).ConfigureAwait(false);
                if (Environment.TickCount64 - _lastHeartbeat >= HeartbeatInterval.TotalMilliseconds)
                {
                    _lastHeartbeat = Environment.TickCount64;
                    await WriteAsync(": heartbeat\n\n", cancellationToken).ConfigureAwait(false);
                }

                tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
            }
        }
    }

    /// <summary>Waits <see cref="GatherInterval"/>, then for an event: meanwhile the gateway's events only queue,
    /// waking nobody.</summary>
    private static async Task<bool> GatherAsync(GatewayEventSubscription subscription, CancellationToken cancellationToken)
    {
        await Task.Delay(GatherInterval, cancellationToken).ConfigureAwait(false);
        return await subscription.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteFrameAsync(string name, CancellationToken cancellationToken)
    {
        var frame = _admin.Cluster is { } cluster
            ? await ClusterFrameAsync(cluster, cancellationToken).ConfigureAwait(false)
            : NodeFrame();
        var json = System.Text.Json.JsonSerializer.Serialize(frame, DashboardJson.Compact.DashboardFrame);
        await WriteAsync($"event: {name}\ndata: {json}\n\n", cancellationToken).ConfigureAwait(false);
    }

    private DashboardFrame NodeFrame()
    {
        var sessions = Views.Sessions(_admin, limit: DashboardFrame.MaxSessions);
        return new DashboardFrame(_admin.Gateway.Time.GetUtcNow(), Views.Status(_admin),
            Views.Identities(_admin).Take(DashboardFrame.MaxIdentities).ToList(), sessions, Math.Max(_admin.Gateway.Sessions.Count, sessions.Count));
    }

    /// <summary>Every node's sessions, each with its node (the page kills and probes them where they run), and the
    /// identities summed over the nodes. Both questions go out at once: a node that does not answer costs one
    /// <see cref="IClusterControl.Wait"/>, and is named.</summary>
    private async Task<DashboardFrame> ClusterFrameAsync(IClusterControl cluster, CancellationToken cancellationToken)
    {
        var listing = ClusterViews.SessionsAsync(cluster, null, new SessionQuery(Limit: DashboardFrame.MaxSessions),
            false, cancellationToken);
        var counting = ClusterViews.IdentitiesAsync(cluster, null, null, cancellationToken);
        var (sessions, listed) = await listing.ConfigureAwait(false);
        var (identities, counted) = await counting.ConfigureAwait(false);
        var silent = listed.Select(a => (a.Node, a.Outcome)).Concat(counted.Select(a => (a.Node, a.Outcome)))
            .Where(a => a.Outcome == NodeOutcome.NotAnswering)
            .Select(a => a.Node)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new DashboardFrame(_admin.Gateway.Time.GetUtcNow(), Views.Status(_admin),
            identities.Take(DashboardFrame.MaxIdentities).ToList(), sessions, sessions.Count, cluster.Node, silent.Count > 0 ? silent : null);
    }

    /// <summary>Writes what waits (at most <see cref="MaxBatch"/>), folding each run of refusals of one identity on one
    /// listener into one message; answers whether the queue was emptied.</summary>
    private async Task<bool> WriteEventsAsync(GatewayEventSubscription subscription, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        GatewayEvent? run = null;
        var repeated = 0;
        var taken = 0;
        for (; taken < MaxBatch && subscription.Reader.TryRead(out var next); taken++)
        {
            if (run is not null && next.Kind == GatewayEventKind.Refused
                && next.Listener == run.Listener && next.Identity == run.Identity)
            {
                run = next;
                repeated++;
                continue;
            }

            if (run is not null)
            {
                Append(text, run, repeated);
                run = null;
            }

            if (next.Kind == GatewayEventKind.Refused)
            {
                run = next;
                repeated = 1;
            }
            else
            {
                Append(text, next, 1);
            }
        }

        if (run is not null)
        {
            Append(text, run, repeated);
        }

        if (text.Length > 0)
        {
            await WriteAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
        }

        return taken < MaxBatch;
    }

    private static void Append(StringBuilder text, GatewayEvent e, int repeated)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(ViewOf(e, repeated), DashboardJson.Compact.EventView);
        text.Append("event: event\ndata: ").Append(json).Append("\n\n");
    }

    private async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        await _response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string KindName(GatewayEventKind kind) => kind switch
    {
        GatewayEventKind.Refused => "refused",
        GatewayEventKind.Reclaimed => "reclaimed",
        GatewayEventKind.PeerDead => "peerDead",
        GatewayEventKind.Killed => "killed",
        GatewayEventKind.Probed => "probed",
        _ => "closed",
    };
}
