using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The answer to <c>DELETE /api/sessions/…</c>.</summary>
/// <param name="Killed">How many sessions were killed.</param>
/// <param name="Ids">Their ids.</param>
/// <param name="Closed">Whether all of them had closed (both sides, slots released) when the answer was sent.</param>
/// <param name="Nodes">In a cluster (a Redis ledger): what the kill did on each node that answered (ids are per
/// node); absent otherwise.</param>
/// <param name="NotAnswering">In a cluster: the nodes that did not answer in time (their sessions may live on);
/// absent otherwise.</param>
public sealed record KillResult(int Killed, IReadOnlyList<long> Ids, bool Closed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NodeKillView>? Nodes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? NotAnswering = null);
