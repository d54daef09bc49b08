using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;

namespace Usher.Admin.Endpoints;

/// <summary><c>GET /api/identities</c>: per listener and identity, the sessions open and the limit that applies,
/// busiest first.</summary>
internal static class IdentityEndpoints
{
    public static void Map(IEndpointRouteBuilder app, AdminContext admin) =>
        app.MapGet("/api/identities", Answers.Run(context => List(admin, context)));

    private static IResult List(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "listener") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        if (admin.UnknownListener(listenerName) is { } unknown)
        {
            return unknown;
        }

        IReadOnlyList<IdentityCount> sorted = Views.Identities(admin, listenerName);
        return Answers.Json(sorted, AdminJson.Readable.IReadOnlyListIdentityCount);
    }
}
