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
        if (admin.FindListener(listenerName, out var only) is { } unknown)
        {
            return unknown;
        }

        var counts = new List<IdentityCount>();
        foreach (var listener in only is null ? admin.Gateway.Listeners : [only])
        {
            var settings = listener.Settings;
            var identities = admin.Gateway.Registry.All
                .Where(s => s.Record.Listener == listener.Name)
                .Select(s => s.Record.Identity.Value)
                .Distinct(StringComparer.Ordinal);
            foreach (var identity in identities)
            {
                var open = listener.OpenOf(identity);
                if (open > 0)
                {
                    counts.Add(new IdentityCount(listener.Name, identity, settings.IdentityText, open, settings.LimitFor(identity),
                        settings.Overrides.ContainsKey(identity)));
                }
            }
        }

        IReadOnlyList<IdentityCount> sorted = counts
            .OrderByDescending(c => c.Open)
            .ThenBy(c => c.Listener, StringComparer.Ordinal)
            .ThenBy(c => c.Identity, StringComparer.Ordinal)
            .ToList();
        return Answers.Json(sorted, AdminJson.Readable.IReadOnlyListIdentityCount);
    }
}
