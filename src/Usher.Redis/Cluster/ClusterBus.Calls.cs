using System.Globalization;
using System.Text.Json;
using Usher.Control;

namespace Usher.Redis.Cluster;

/// <summary>The calls of <see cref="IClusterControl"/> and <see cref="IClusterReclaim"/>: a request to each node
/// asked, one answer per node.</summary>
internal sealed partial class ClusterBus
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<ClusterMember>> NodesAsync(CancellationToken cancellationToken = default) =>
        (await _registry.AliveAsync().ConfigureAwait(false)).Nodes;

    /// <inheritdoc />
    public Task<IReadOnlyList<NodeAnswer<IReadOnlyList<SessionSnapshot>>>> ListAsync(string? node, SessionQuery query, bool fresh,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return EveryAsync(node, Request(BusOps.List) with
        {
            Listener = query.Listener, Identity = query.Identity, Limit = query.Limit, Fresh = fresh, Suspect = query.SuspectOnly,
        }, r => r.Sessions ?? [], cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<NodeAnswer<IReadOnlyList<IdentitySessions>>>> IdentitiesAsync(string? node, string? listener,
        CancellationToken cancellationToken = default) =>
        EveryAsync(node, Request(BusOps.Identities) with { Listener = listener }, r => r.Identities ?? [], cancellationToken);

    /// <inheritdoc />
    public Task<NodeAnswer<SessionSnapshot>> InspectAsync(string node, long id, CancellationToken cancellationToken = default) =>
        OneAsync(node, Request(BusOps.Inspect) with { Session = id }, r => r.Session, cancellationToken);

    /// <inheritdoc />
    public Task<NodeAnswer<NodeKill>> KillAsync(string node, long id, string by, CancellationToken cancellationToken = default) =>
        OneAsync(node, Request(BusOps.Kill) with { Session = id, By = by }, r => r.Kill, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<NodeAnswer<NodeKill>>> KillAsync(string listener, string identity, string by,
        CancellationToken cancellationToken = default) =>
        EveryAsync(null, Request(BusOps.KillIdentity) with { Listener = listener, Identity = identity, By = by }, r => r.Kill, cancellationToken);

    /// <inheritdoc />
    public Task<NodeAnswer<SessionProbe>> ProbeAsync(string node, long id, string by, CancellationToken cancellationToken = default) =>
        OneAsync(node, Request(BusOps.Probe) with { Session = id, By = by }, r => r.Probe, cancellationToken);

    /// <inheritdoc />
    public void ProbeElsewhere(string listener, string identity, string newcomer)
    {
        // Off the caller's thread (a reactor): nothing here may wait on Redis there.
        _ = Task.Run(async () =>
        {
            var (nodes, _) = await _registry.AliveAsync().ConfigureAwait(false);
            var request = Request(BusOps.Reclaim) with
            {
                ReplyTo = string.Empty, Listener = listener, Identity = identity, By = $"a reclaim for {newcomer}",
            };
            var json = JsonSerializer.Serialize(request, BusJson.Default.BusRequest);
            await Task.WhenAll(nodes.Where(n => !n.Self).Select(n => PublishAsync(Channel(n.Name), json))).ConfigureAwait(false);
        });
    }

    private BusRequest Request(string op) =>
        new(Guid.NewGuid().ToString("N"), op, Node, _replies.ToString());

    private async Task<NodeAnswer<T>> OneAsync<T>(string node, BusRequest request, Func<BusReply, T?> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        return (await EveryAsync(node, request, value, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Asks every node alive, or <paramref name="node"/> alone, at once; one answer per node.</summary>
    private async Task<IReadOnlyList<NodeAnswer<T>>> EveryAsync<T>(string? node, BusRequest request, Func<BusReply, T?> value,
        CancellationToken cancellationToken)
    {
        var (nodes, reachable) = await _registry.AliveAsync().ConfigureAwait(false);
        if (node is not null && node != Node && !nodes.Any(n => n.Name == node))
        {
            return [reachable
                ? new NodeAnswer<T>(node, NodeOutcome.UnknownNode, default,
                    $"no node named \"{node}\" is alive; the nodes alive are {string.Join(", ", nodes.Select(n => n.Name))}")
                : new NodeAnswer<T>(node, NodeOutcome.NotAnswering, default, $"node {node} cannot be reached: Redis does not answer")];
        }

        var names = node is null ? nodes.Select(n => n.Name).ToList() : [node];
        var replies = await Task.WhenAll(names.Select(n => AskAsync(n, request with { Id = Guid.NewGuid().ToString("N") }, cancellationToken)))
            .ConfigureAwait(false);
        return replies.Select((reply, i) => reply.Outcome == NodeOutcome.Done
            ? new NodeAnswer<T>(names[i], NodeOutcome.Done, value(reply))
            : new NodeAnswer<T>(names[i], reply.Outcome, default, reply.Error)).ToList();
    }

    /// <summary>One node's answer: this node's at once, another's through the bus within <see cref="Wait"/>.</summary>
    private async Task<BusReply> AskAsync(string node, BusRequest request, CancellationToken cancellationToken)
    {
        if (node == Node)
        {
            return _answerer is { } answerer
                ? await answerer.AnswerAsync(request, cancellationToken).ConfigureAwait(false)
                : NotAnswering(request, node, "it is starting");
        }

        var reply = new TaskCompletionSource<BusReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.Id] = reply;
        try
        {
            var started = _time.GetTimestamp();
            var receivers = await PublishAsync(Channel(node), JsonSerializer.Serialize(request, BusJson.Default.BusRequest)).ConfigureAwait(false);
            // On a Redis Cluster the count is of the subscribers on the server that took the message: the node may
            // listen on another, and the message reaches it there. Only the reply (or the wait) tells.
            if (receivers < 0 || (receivers == 0 && !_connection.ReachesCluster()))
            {
                return NotAnswering(request, node, receivers < 0 ? "Redis does not answer" : "it is not listening on the bus");
            }

            var left = Wait - _time.GetElapsedTime(started);
            return await reply.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return NotAnswering(request, node, string.Create(CultureInfo.InvariantCulture, $"it did not answer within {Wait.TotalSeconds:0.#} s"));
        }
        finally
        {
            _pending.TryRemove(request.Id, out _);
        }
    }

    private static BusReply NotAnswering(BusRequest request, string node, string why) =>
        new(request.Id, node, NodeOutcome.NotAnswering, $"node {node} did not answer: {why}");
}
