using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>The sessions: list, show one (with a fresh TCP_INFO), kill one, kill an identity's.</summary>
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
        if (Answers.UnknownParameter(context.Request, "listener", "identity", "fresh", "suspect", "limit") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        var identity = context.Request.Query["identity"].FirstOrDefault();
        if (admin.UnknownListener(listenerName) is { } unknown)
        {
            return unknown;
        }

        if (ListQuery.Parse(context.Request.Query) is not { } query)
        {
            return Answers.BadRequest(ListQuery.Usage);
        }

        IReadOnlyList<SessionView> sessions = query.Fresh
            ? await Views.FreshSessionsAsync(admin, new SessionQuery(listenerName, identity, query.Limit, query.Suspect), context.RequestAborted).ConfigureAwait(false)
            : Views.Sessions(admin, listenerName, identity, query.Limit);
        return Answers.Json(sessions, AdminJson.Readable.IReadOnlyListSessionView);
    }

    private static Task<IResult> ProbeAsync(AdminContext admin, HttpContext context) =>
        OnOneSessionAsync(context, id => admin.Gateway.Sessions.Probe(id, AdminContext.Caller(context)), probe =>
            Task.FromResult(Results.Json(new ProbeResult(probe.Id, probe.Budget.TotalSeconds, probe.Started),
                AdminJson.Readable.ProbeResult, statusCode: StatusCodes.Status202Accepted)));

    private static async Task<IResult> ShowAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request) is { } bad)
        {
            return bad;
        }

        if (ParseId(context, out var id) is { } notAnId)
        {
            return notAnId;
        }

        // A fresh TCP_INFO, read on the session's reactor; the last one the session has if the reactor is slow.
        var session = await admin.Gateway.Sessions.InspectAsync(id, TcpInfoWait, context.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            return NoSuchSession(id);
        }

        var view = SessionViews.Of(session);
        return Answers.Json(view, AdminJson.Readable.SessionView);
    }

    private static Task<IResult> KillOneAsync(AdminContext admin, HttpContext context) =>
        OnOneSessionAsync(context, id => admin.Gateway.Sessions.Kill(id, AdminContext.Caller(context)),
            kill => KilledAsync(kill, context.RequestAborted));

    /// <summary>An operator's action on the session the route names: 400 for a query parameter or a bad id, 409 when
    /// the gateway refuses it (the session is ending already), 404 when no session has that id.</summary>
    private static async Task<IResult> OnOneSessionAsync<T>(HttpContext context, Func<long, T?> act, Func<T, Task<IResult>> answer)
        where T : class
    {
        if (Answers.UnknownParameter(context.Request) is { } bad)
        {
            return bad;
        }

        if (ParseId(context, out var id) is { } notAnId)
        {
            return notAnId;
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

        return done is null ? NoSuchSession(id) : await answer(done).ConfigureAwait(false);
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

    private static IResult? ParseId(HttpContext context, out long id)
    {
        var text = context.Request.RouteValues["id"] as string;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            ? null
            : Answers.BadRequest($"\"{text}\" is not a session id: ids are whole numbers, as GET /api/sessions lists them");
    }

    private static IResult NoSuchSession(long id) =>
        Answers.NotFound($"no open session has id {id} (it may have ended; GET /api/sessions lists the open ones)");
}
