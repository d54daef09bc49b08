using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;
using Usher.Gateway.Proxy;

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
        app.MapGet("/api/sessions", Answers.Run(context => List(admin, context)));
        app.MapGet("/api/sessions/{id}", Answers.Run(context => ShowAsync(admin, context)));
        app.MapDelete("/api/sessions/{id}", Answers.Run(context => KillOneAsync(admin, context)));
        app.MapDelete("/api/sessions", Answers.Run(context => KillIdentityAsync(admin, context)));
    }

    private static IResult List(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "listener", "identity") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        var identity = context.Request.Query["identity"].FirstOrDefault();
        if (admin.FindListener(listenerName, out _) is { } unknown)
        {
            return unknown;
        }

        IReadOnlyList<SessionView> sessions = Views.Sessions(admin, listenerName, identity);
        return Answers.Json(sessions, AdminJson.Readable.IReadOnlyListSessionView);
    }

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

        var session = admin.Gateway.Registry.Find(id);
        if (session is null)
        {
            return NoSuchSession(id);
        }

        if (session is ProxySession relayed)
        {
            try
            {
                // Read on the session's reactor, the only thread that touches its sockets; stored on the record.
                await relayed.ReadTcpInfoAsync().WaitAsync(TcpInfoWait, context.RequestAborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The reactor is busy or stopping: show the last snapshot the record has.
            }
        }

        var view = SessionViews.Of(session, admin.Gateway.Time.GetUtcNow(), Environment.TickCount64);
        return Answers.Json(view, AdminJson.Readable.SessionView);
    }

    private static async Task<IResult> KillOneAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request) is { } bad)
        {
            return bad;
        }

        if (ParseId(context, out var id) is { } notAnId)
        {
            return notAnId;
        }

        IGatewaySession? session;
        try
        {
            session = admin.Gateway.Kill(id, AdminContext.Caller(context));
        }
        catch (InvalidOperationException e)
        {
            return Answers.Problem(StatusCodes.Status409Conflict, e.Message);
        }

        return session is null ? NoSuchSession(id) : await KilledAsync([session], context.RequestAborted).ConfigureAwait(false);
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

        if (admin.FindListener(listenerName, out _) is { } unknown)
        {
            return unknown;
        }

        IReadOnlyList<IGatewaySession> killed;
        try
        {
            killed = admin.Gateway.Kill(listenerName, identity, AdminContext.Caller(context));
        }
        catch (InvalidOperationException e)
        {
            return Answers.Problem(StatusCodes.Status409Conflict, e.Message);
        }

        return await KilledAsync(killed, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Waits (a few seconds at most) until the killed sessions have closed both sides and released their
    /// slots, so a client that reads the answer sees the ledger already counting them out.</summary>
    private static async Task<IResult> KilledAsync(IReadOnlyList<IGatewaySession> sessions, CancellationToken cancellationToken)
    {
        var closed = true;
        try
        {
            await Task.WhenAll(sessions.Select(s => s.Completion)).WaitAsync(KillWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            closed = false;
        }

        var result = new KillResult(sessions.Count, sessions.Select(s => s.Record.Id).ToList(), closed);
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
