using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Usher.Admin.Endpoints;

/// <summary>The session a route names: <c>{id}</c> on this node; in a cluster, <c>{node}:{id}</c> or
/// <c>{id}?node={node}</c> on that node (ids are per node).</summary>
/// <param name="Node">The other node it runs on; <c>null</c> for this node.</param>
/// <param name="Id">Its id on that node.</param>
internal readonly record struct SessionAddress(string? Node, long Id)
{
    /// <summary>Reads the route's <c>id</c> and the <c>node</c> query parameter.</summary>
    /// <returns>A 400 that says what to send instead; <c>null</c> when <paramref name="address"/> is set.</returns>
    public static IResult? Parse(HttpContext context, AdminContext admin, out SessionAddress address)
    {
        address = default;
        var text = context.Request.RouteValues["id"] as string ?? string.Empty;
        var node = context.Request.Query["node"].FirstOrDefault();
        var colon = text.LastIndexOf(':');
        if (colon > 0)
        {
            var named = text[..colon];
            if (node is not null && node != named)
            {
                return Answers.BadRequest($"\"{text}\" names node {named} and node={node} another: give the node once");
            }

            node = named;
            text = text[(colon + 1)..];
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return Answers.BadRequest($"\"{text}\" is not a session id: ids are whole numbers, as GET /api/sessions lists them");
        }

        if (node is not null && admin.Cluster is null)
        {
            return Answers.BadRequest($"this gateway is no node of a cluster (its ledger is in memory), so there is no node \"{node}\": "
                + "name the session by its id alone");
        }

        address = new SessionAddress(node is null || node == admin.Cluster?.Node ? null : node, id);
        return null;
    }

    /// <summary>A 400 for a <c>node</c> query parameter where the gateway is no node of a cluster; <c>null</c> otherwise.</summary>
    public static IResult? NoCluster(AdminContext admin, string? node) => node is not null && admin.Cluster is null
        ? Answers.BadRequest($"this gateway is no node of a cluster (its ledger is in memory): drop node={node}")
        : null;
}
