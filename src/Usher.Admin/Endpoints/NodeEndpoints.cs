using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Usher.Admin.Api;

namespace Usher.Admin.Endpoints;

/// <summary><c>GET /api/nodes</c>: the nodes alive in this gateway's cluster (a Redis ledger), this one first; 404
/// where the ledger is in memory.</summary>
internal static class NodeEndpoints
{
    public static void Map(IEndpointRouteBuilder app, AdminContext admin) =>
        app.MapGet("/api/nodes", Answers.Run(context => ListAsync(admin, context)));

    private static async Task<IResult> ListAsync(AdminContext admin, HttpContext context)
    {
        if (Answers.UnknownParameter(context.Request) is { } bad)
        {
            return bad;
        }

        if (admin.Cluster is not { } cluster)
        {
            return Answers.NotFound("this gateway is no node of a cluster: its ledger is in memory (Ledger Kind Redis makes one)");
        }

        var nodes = await cluster.NodesAsync(context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<NodeView> views = nodes.Select(n => new NodeView(n.Name, n.Instance, n.Expires, n.Self)).ToList();
        return Answers.Json(views, AdminJson.Readable.IReadOnlyListNodeView);
    }
}
