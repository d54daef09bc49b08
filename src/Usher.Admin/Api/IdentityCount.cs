using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>One identity on one listener in <c>GET /api/identities</c>: how many sessions it holds and may hold.</summary>
/// <param name="Listener">The listener's name.</param>
/// <param name="Identity">The identity.</param>
/// <param name="Kind">The listener's identity kind, as configured (e.g. <c>ImapLogin+SourceIp</c>).</param>
/// <param name="Open">Sessions it holds, as the ledger counts them.</param>
/// <param name="Limit">Sessions it may hold: its override, else the listener's MaxSessionsPerIdentity.</param>
/// <param name="Override">Whether <see cref="Limit"/> comes from <c>Overrides</c>.</param>
/// <param name="Nodes">In a cluster (a Redis ledger): the sessions each node holds, by node name (<see cref="Open"/> is
/// their sum); absent otherwise.</param>
public sealed record IdentityCount(string Listener, string Identity, string Kind, int Open, int Limit, bool Override,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, int>? Nodes = null);
