namespace Usher.Control;

/// <summary>What a kill did on one node: the sessions it closed there, and whether all had closed (both sides, slots
/// released) when the node answered.</summary>
/// <param name="Ids">The ids of the sessions killed, as that node numbers them.</param>
/// <param name="Closed">Whether every one of them had closed within the node's wait.</param>
public sealed record NodeKill(IReadOnlyList<long> Ids, bool Closed);
