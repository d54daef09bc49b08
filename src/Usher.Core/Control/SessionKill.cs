namespace Usher.Control;

/// <summary>What a kill did: the sessions it closed, and a task that completes once every one of them has closed both
/// sides and released its slot in the ledger.</summary>
/// <param name="Ids">The ids of the sessions killed (none when every match was already ending for another reason).</param>
/// <param name="Closed">Completes when all of them have ended; it never faults.</param>
public sealed record SessionKill(IReadOnlyList<long> Ids, Task Closed);
