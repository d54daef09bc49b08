using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;

namespace Usher.Admin.Endpoints;

/// <summary><c>GET /api/identities</c>: per listener and identity, the sessions open and the limit that applies,
/// busiest first; in a cluster (a Redis ledger), summed over the nodes with each node's share.</summary>
internal static class IdentityEndpoints
{
    public static void Map(IEndpointRouteBuilder app, AdminContext admin) =>
        app.MapGet("/api/identities", Answers.Run(context => ListAsync(admin, context)));

    private static async Task<IResult> ListAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request, "listener", "node") is { } bad)
        {
            return bad;
        }

        var listenerName = context.Request.Query["listener"].FirstOrDefault();
        var node = context.Request.Query["node"].FirstOrDefault();
        if ((admin.UnknownListener(listenerName) ?? SessionAddress.NoCluster(admin, node)) is { } unknown)
        {
            return unknown;
        }

        if (admin.Cluster is { } cluster)
        {
            // Every node's own sessions, summed per identity, with each node's share.
            var (all, answers) = await ClusterViews.IdentitiesAsync(cluster, node, listenerName, context.RequestAborted).ConfigureAwait(false);
            ClusterAnswers.TellSilent(context, answers);
            return ClusterAnswers.UnknownNode(answers) ?? Answers.Json<IReadOnlyList<IdentityCount>>(all, AdminJson.Readable.IReadOnlyListIdentityCount);
        }

        IReadOnlyList<IdentityCount> sorted = Views.Identities(admin, listenerName);
        return Answers.Json(sorted, AdminJson.Readable.IReadOnlyListIdentityCount);
    }
}
