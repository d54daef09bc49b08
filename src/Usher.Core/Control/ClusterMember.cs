namespace Usher.Control;

/// <summary>One gateway node alive in the cluster.</summary>
/// <param name="Name">Its name (<c>Ledger:Node</c>).</param>
/// <param name="Instance">Its process's instance id (new at every start).</param>
/// <param name="Expires">When its announcement lapses unless renewed (it renews well before).</param>
/// <param name="Self">Whether it is the node asked.</param>
public sealed record ClusterMember(string Name, string Instance, DateTimeOffset Expires, bool Self);
