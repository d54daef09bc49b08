namespace Usher.Admin.Api;

/// <summary>What a kill did on one node of a cluster, in <see cref="KillResult.Nodes"/>.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Ids">The ids of the sessions killed there, as that node numbers them.</param>
/// <param name="Closed">Whether all of them had closed when the node answered.</param>
public sealed record NodeKillView(string Node, IReadOnlyList<long> Ids, bool Closed);
