namespace Usher.Admin.Api;

/// <summary>One node alive in <c>GET /api/nodes</c>.</summary>
/// <param name="Name">Its name (<c>Ledger:Node</c>).</param>
/// <param name="Instance">Its process's instance id (new at every start).</param>
/// <param name="Expires">When its announcement lapses unless renewed.</param>
/// <param name="Self">Whether it is the node that answers.</param>
public sealed record NodeView(string Name, string Instance, DateTimeOffset Expires, bool Self);
