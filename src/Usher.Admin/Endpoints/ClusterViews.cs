using Usher.Admin.Api;
using Usher.Control;

namespace Usher.Admin.Endpoints;

/// <summary>The cluster as the API shows it (a Redis ledger): every node's sessions with their node, identities summed
/// over the nodes with each node's share. The endpoints and the dashboard's stream build their answers here.</summary>
internal static class ClusterViews
{
    /// <summary>The open sessions of every node alive (or of <paramref name="node"/>), this node's first, then by node
    /// and id; at most <see cref="SessionQuery.Limit"/>.</summary>
    public static async Task<(List<SessionView> Sessions, IReadOnlyList<NodeAnswer<IReadOnlyList<SessionSnapshot>>> Answers)> SessionsAsync(
        IClusterControl cluster, string? node, SessionQuery query, bool fresh, CancellationToken cancellationToken)
    {
        var answers = await cluster.ListAsync(node, query, fresh, cancellationToken).ConfigureAwait(false);
        var sessions = answers
            .Where(a => a is { Outcome: NodeOutcome.Done, Value: not null })
            .SelectMany(a => a.Value!.Select(s => SessionViews.Of(s, a.Node)))
            .OrderBy(s => s.Node == cluster.Node ? 0 : 1)
            .ThenBy(s => s.Node, StringComparer.Ordinal)
            .ThenBy(s => s.Id)
            .Take(query.Limit)
            .ToList();
        return (sessions, answers);
    }

    /// <summary>Per listener and identity, the sessions every node alive (or <paramref name="node"/>) holds, summed,
    /// with each node's share; busiest first.</summary>
    public static async Task<(List<IdentityCount> Identities, IReadOnlyList<NodeAnswer<IReadOnlyList<IdentitySessions>>> Answers)> IdentitiesAsync(
        IClusterControl cluster, string? node, string? listener, CancellationToken cancellationToken)
    {
        var answers = await cluster.IdentitiesAsync(node, listener, cancellationToken).ConfigureAwait(false);
        var identities = answers
            .Where(a => a is { Outcome: NodeOutcome.Done, Value: not null })
            .SelectMany(a => a.Value!.Select(i => (a.Node, Identity: i)))
            .GroupBy(r => (r.Identity.Listener, r.Identity.Identity))
            .Select(g =>
            {
                var first = g.First().Identity;
                var nodes = g.GroupBy(r => r.Node, StringComparer.Ordinal)
                    .ToDictionary(n => n.Key, n => n.Sum(r => r.Identity.Open), StringComparer.Ordinal);
                return new IdentityCount(first.Listener, first.Identity, first.Kind, nodes.Values.Sum(), first.Limit, first.Override,
                    new SortedDictionary<string, int>(nodes, StringComparer.Ordinal));
            })
            .OrderByDescending(c => c.Open)
            .ThenBy(c => c.Listener, StringComparer.Ordinal)
            .ThenBy(c => c.Identity, StringComparer.Ordinal)
            .ToList();
        return (identities, answers);
    }
}
