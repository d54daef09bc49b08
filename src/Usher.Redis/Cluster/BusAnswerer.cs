using Usher.Control;

namespace Usher.Redis.Cluster;

/// <summary>Answers the cluster bus's requests on one node, through the node's own <see cref="IGatewayControl"/>: what
/// the node's admin API would do for a local caller, with <c>by</c> naming the asking node. This node's own requests
/// come here too, without the bus.</summary>
internal sealed class BusAnswerer(string node, IGatewayControl gateway)
{
    /// <summary>How long a node waits for its reactors to read TCP_INFO for a listing or an inspect (less than the
    /// asking node's wait, so the answer gets back in time).</summary>
    public static readonly TimeSpan ReactorWait = TimeSpan.FromSeconds(1);

    /// <summary>How long a kill waits for its sessions to close before it answers anyway.</summary>
    public static readonly TimeSpan KillWait = TimeSpan.FromSeconds(1.5);

    public async Task<BusReply> AnswerAsync(BusRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return request.Op switch
            {
                BusOps.List => await ListAsync(request, cancellationToken).ConfigureAwait(false),
                BusOps.Identities => Done(request) with { Identities = Identities(request.Listener) },
                BusOps.Inspect => await gateway.Sessions.InspectAsync(request.Session, ReactorWait, cancellationToken).ConfigureAwait(false) is { } session
                    ? Done(request) with { Session = session }
                    : NoSuchSession(request),
                BusOps.Kill => gateway.Sessions.Kill(request.Session, By(request)) is { } kill
                    ? Done(request) with { Kill = await ClosedAsync(kill).ConfigureAwait(false) }
                    : NoSuchSession(request),
                BusOps.KillIdentity => Done(request) with
                {
                    Kill = await ClosedAsync(gateway.Sessions.Kill(request.Listener ?? string.Empty, request.Identity ?? string.Empty, By(request))).ConfigureAwait(false),
                },
                BusOps.Probe => gateway.Sessions.Probe(request.Session, By(request)) is { } probe
                    ? Done(request) with { Probe = probe }
                    : NoSuchSession(request),
                BusOps.Reclaim => Reclaim(request),
                _ => new BusReply(request.Id, node, NodeOutcome.Refused, $"node {node} does not know the operation \"{request.Op}\""),
            };
        }
        catch (InvalidOperationException e)
        {
            // The session is ending already, or an identity prefix names several: the node's own words.
            return new BusReply(request.Id, node, NodeOutcome.Refused, e.Message);
        }
    }

    private async Task<BusReply> ListAsync(BusRequest request, CancellationToken cancellationToken)
    {
        var sessions = request.Fresh
            ? await gateway.Sessions.ListFreshAsync(new SessionQuery(request.Listener, request.Identity, request.Limit, request.Suspect),
                ReactorWait, cancellationToken).ConfigureAwait(false)
            : gateway.Sessions.List(request.Listener, request.Identity, request.Limit);
        return Done(request) with { Sessions = sessions };
    }

    /// <summary>The identities this node holds sessions of, each with the sessions it holds itself (not what a shared
    /// ledger counts for the whole cluster), and the limit that applies here.</summary>
    private List<IdentitySessions> Identities(string? listener)
    {
        var here = gateway.Sessions.List(listener)
            .GroupBy(s => (s.Listener, s.Identity))
            .ToDictionary(g => g.Key, g => g.Count());
        return gateway.Sessions.Identities(listener)
            .Select(i => here.TryGetValue((i.Listener, i.Identity), out var open) ? i with { Open = open } : null)
            .OfType<IdentitySessions>()
            .ToList();
    }

    /// <summary>Probes this node's idle sessions (idle at least the listener's ProbeMinIdle) of the identity for a
    /// newcomer on another node; a dead client ends its session as ClientDead, and its release hands the place over.</summary>
    private BusReply Reclaim(BusRequest request)
    {
        var listener = gateway.Listeners.FirstOrDefault(l => l.Name == request.Listener);
        var probed = 0;
        if (listener is not null && request.Identity is { } identity)
        {
            foreach (var session in gateway.Sessions.List(listener.Name, identity))
            {
                if (session.State == SessionState.Relaying && session.Idle >= listener.Settings.ProbeMinIdle)
                {
                    try
                    {
                        probed += gateway.Sessions.Probe(session.Id, By(request)) is { Started: true } ? 1 : 0;
                    }
                    catch (InvalidOperationException)
                    {
                        // Ending meanwhile: its place comes free anyway.
                    }
                }
            }
        }

        return Done(request) with { Kill = new NodeKill([], probed > 0) };
    }

    private static async Task<NodeKill> ClosedAsync(SessionKill kill)
    {
        try
        {
            await kill.Closed.WaitAsync(KillWait).ConfigureAwait(false);
            return new NodeKill(kill.Ids, true);
        }
        catch (TimeoutException)
        {
            return new NodeKill(kill.Ids, false);
        }
    }

    /// <summary>Who acts, for this node's log: the caller as the asking node named it, and that node.</summary>
    private string By(BusRequest request) => request.From == node ? request.By ?? "the cluster" : $"{request.By} on node {request.From}";

    private BusReply Done(BusRequest request) => new(request.Id, node, NodeOutcome.Done);

    private BusReply NoSuchSession(BusRequest request) =>
        new(request.Id, node, NodeOutcome.NoSuchSession, $"no open session has id {request.Session} on node {node}");
}
