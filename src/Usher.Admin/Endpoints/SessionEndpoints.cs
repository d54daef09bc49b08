using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>The sessions: list, show one (with a fresh TCP_INFO), kill one, kill an identity's. In a cluster (a Redis
/// ledger) every node's sessions, and a session on any node (<c>{node}:{id}</c> or <c>{id}?node={node}</c>).</summary>
internal static class SessionEndpoints
{
    /// <summary>How long a kill waits for its sessions to close before it answers anyway.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    /// <summary>How long the single-session view waits for the session's reactor to read TCP_INFO.</summary>
    private static readonly TimeSpan TcpInfoWait = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app, AdminContext admin)
    {
        app.MapGet("/api/sessions", Answers.Run(context => ListAsync(admin, context)));
        app.MapGet("/api/sessions/{id}", Answers.Run(context => ShowAsync(admin, context)));
        app.MapDelete("/api/sessions/{id}", Answers.Run(context => KillOneAsync(admin, context)));
        app.MapDelete("/api/sessions", Answers.Run(context => KillIdentityAsync(admin, context)));
        app.MapPost("/api/sessions/{id}/probe", Answers.Run(context => ProbeAsync(admin, context)));
    }

    private static async Task<IResult> ListAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "listener", "identity", "fresh", "suspect", "limit", "node") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        var identity = context.Request.Query["identity"].FirstOrDefault();
        var node = context.Request.Query["node"].FirstOrDefault();
        if ((admin.UnknownListener(listenerName) ?? SessionAddress.NoCluster(admin, node)) is { } unknown)
        {
            return unknown;
        }

        if (ListQuery.Parse(context.Request.Query) is not { } query)
        {
            return Answers.BadRequest(ListQuery.Usage);
        }

        if (admin.Cluster is { } cluster)
        {
            var (all, answers) = await ClusterViews.SessionsAsync(cluster, node,
                new SessionQuery(listenerName, identity, query.Limit, query.Suspect), query.Fresh, context.RequestAborted).ConfigureAwait(false);
            ClusterAnswers.TellSilent(context, answers);
            return ClusterAnswers.UnknownNode(answers) ?? Answers.Json<IReadOnlyList<SessionView>>(all, AdminJson.Readable.IReadOnlyListSessionView);
        }

        IReadOnlyList<SessionView> sessions = query.Fresh
            ? await Views.FreshSessionsAsync(admin, new SessionQuery(listenerName, identity, query.Limit, query.Suspect), context.RequestAborted).ConfigureAwait(false)
            : Views.Sessions(admin, listenerName, identity, query.Limit);
        return Answers.Json(sessions, AdminJson.Readable.IReadOnlyListSessionView);
    }

    private static Task<IResult> ProbeAsync(AdminContext admin, HttpContext context) =>
        OnOneSessionAsync(admin, context, id => admin.Gateway.Sessions.Probe(id, AdminContext.Caller(context)),
            (cluster, node, id, cancel) => cluster.ProbeAsync(node, id, AdminContext.Caller(context), cancel),
            (probe, node) => Task.FromResult(Results.Json(new ProbeResult(probe.Id, probe.Budget.TotalSeconds, probe.Started, node),
                AdminJson.Readable.ProbeResult, statusCode: StatusCodes.Status202Accepted)));

    private static async Task<IResult> ShowAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "node") is { } bad)
        {
            return bad;
        }

        if (SessionAddress.Parse(context, admin, out var address) is { } notAnId)
        {
            return notAnId;
        }

        var id = address.Id;
        if (address.Node is { } node)
        {
            var answer = await admin.Cluster!.InspectAsync(node, id, context.RequestAborted).ConfigureAwait(false);
            return ClusterAnswers.Failed(answer, id) ?? Answers.Json(SessionViews.Of(answer.Value!, node), AdminJson.Readable.SessionView);
        }

        // A fresh TCP_INFO, read on the session's reactor; the last one the session has if the reactor is slow.
        var session = await admin.Gateway.Sessions.InspectAsync(id, TcpInfoWait, context.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            return NoSuchSession(id);
        }

        var view = SessionViews.Of(session, admin.Cluster?.Node);
        return Answers.Json(view, AdminJson.Readable.SessionView);
    }

    private static async Task<IResult> KillOneAsync(AdminContext admin, HttpContext context)
    {
        // Only in a cluster: a kill that ends on another node answers what that node did.
        if (admin.Cluster is { } cluster && SessionAddress.Parse(context, admin, out var address) is null && address.Node is { } node)
        {
            if (Answers.UnknownParameter(context.Request, "node") is { } bad)
            {
                return bad;
            }

            var answer = await cluster.KillAsync(node, address.Id, AdminContext.Caller(context), context.RequestAborted).ConfigureAwait(false);
            return ClusterAnswers.Failed(answer, address.Id) ?? Answers.Json(
                new KillResult(answer.Value!.Ids.Count, answer.Value.Ids, answer.Value.Closed, [new NodeKillView(node, answer.Value.Ids, answer.Value.Closed)]),
                AdminJson.Readable.KillResult);
        }

        return await OnOneSessionAsync<SessionKill>(admin, context, id => admin.Gateway.Sessions.Kill(id, AdminContext.Caller(context)), null,
            (kill, _) => KilledAsync(kill, context.RequestAborted)).ConfigureAwait(false);
    }

    /// <summary>An operator's action on the session the route names: 400 for a query parameter or a bad id, 409 when
    /// the gateway refuses it (the session is ending already), 404 when no session has that id. On another node of a
    /// cluster, <paramref name="remote"/> acts there (and 504 says it did not answer).</summary>
    private static async Task<IResult> OnOneSessionAsync<T>(AdminContext admin, HttpContext context, Func<long, T?> act,
        Func<IClusterControl, string, long, CancellationToken, Task<NodeAnswer<T>>>? remote, Func<T, string?, Task<IResult>> answer)
        where T : class
    {
        if (Answers.UnknownParameter(context.Request, "node") is { } bad)
        {
            return bad;
        }

        if (SessionAddress.Parse(context, admin, out var address) is { } notAnId)
        {
            return notAnId;
        }

        var id = address.Id;
        if (address.Node is { } node && remote is not null)
        {
            var there = await remote(admin.Cluster!, node, id, context.RequestAborted).ConfigureAwait(false);
            return ClusterAnswers.Failed(there, id) ?? await answer(there.Value!, node).ConfigureAwait(false);
        }

        T? done;
        try
        {
            done = act(id);
        }
        catch (InvalidOperationException e)
        {
            return Answers.Problem(StatusCodes.Status409Conflict, e.Message);
        }

        return done is null ? NoSuchSession(id) : await answer(done, admin.Cluster?.Node).ConfigureAwait(false);
    }

    private static async Task<IResult> KillIdentityAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "listener", "identity") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        var identity = context.Request.Query["identity"].FirstOrDefault();
        if (string.IsNullOrEmpty(listenerName) || string.IsNullOrEmpty(identity))
        {
            return Answers.BadRequest("killing sessions by identity takes both listener and identity, e.g. "
                + "DELETE /api/sessions?listener=pg&identity=alice; DELETE /api/sessions/{id} kills one session");
        }

        if (admin.UnknownListener(listenerName) is { } unknown)
        {
            return unknown;
        }

        if (admin.Cluster is { } cluster)
        {
            var answers = await cluster.KillAsync(listenerName, identity, AdminContext.Caller(context), context.RequestAborted).ConfigureAwait(false);
            return KilledEverywhere(context, answers);
        }

        SessionKill killed;
        try
        {
            killed = admin.Gateway.Sessions.Kill(listenerName, identity, AdminContext.Caller(context));
        }
        catch (InvalidOperationException e)
        {
            return Answers.Problem(StatusCodes.Status409Conflict, e.Message);
        }

        return await KilledAsync(killed, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Waits (a few seconds at most) until the killed sessions have closed both sides and released their
    /// slots, so a client that reads the answer sees the ledger already counting them out.</summary>
    private static async Task<IResult> KilledAsync(SessionKill kill, CancellationToken cancellationToken)
    {
        var closed = true;
        try
        {
            await kill.Closed.WaitAsync(KillWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            closed = false;
        }

        var result = new KillResult(kill.Ids.Count, kill.Ids, closed);
        return Answers.Json(result, AdminJson.Readable.KillResult);
    }

    /// <summary>A kill of an identity's sessions on every node: what each node did; 409 when a node refused it (a prefix
    /// that names several identities there).</summary>
    private static IResult KilledEverywhere(HttpContext context, IReadOnlyList<NodeAnswer<NodeKill>> answers)
    {
        if (answers.FirstOrDefault(a => a.Outcome == NodeOutcome.Refused) is { } refused)
        {
            return Answers.Problem(StatusCodes.Status409Conflict, $"node {refused.Node}: {refused.Error}");
        }

        var silent = ClusterAnswers.TellSilent(context, answers);
        var nodes = answers.Where(a => a is { Outcome: NodeOutcome.Done, Value: not null })
            .Select(a => new NodeKillView(a.Node, a.Value!.Ids, a.Value.Closed)).ToList();
        var ids = nodes.SelectMany(n => n.Ids).ToList();
        return Answers.Json(new KillResult(ids.Count, ids, nodes.All(n => n.Closed), nodes, silent), AdminJson.Readable.KillResult);
    }

    private static IResult NoSuchSession(long id) =>
        Answers.NotFound($"no open session has id {id} (it may have ended; GET /api/sessions lists the open ones)");
}
