using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The <c>snapshot</c> and <c>status</c> messages of <c>GET /api/events</c>: the gateway at one moment, as
/// <c>/api/status</c>, <c>/api/identities</c> and <c>/api/sessions</c> show it.</summary>
/// <param name="At">When it was taken (the server's clock: ages are <c>at - startedAt</c>).</param>
/// <param name="Status">As <c>GET /api/status</c>.</param>
/// <param name="Identities">As <c>GET /api/identities</c>, the busiest <see cref="MaxIdentities"/>.</param>
/// <param name="Sessions">As <c>GET /api/sessions</c>, the oldest <see cref="MaxSessions"/>.</param>
/// <param name="SessionsTotal">Sessions open in all (more than <paramref name="Sessions"/> holds past the cap).</param>
/// <param name="Node">In a cluster (a Redis ledger): the name of the node that serves the stream; absent otherwise.</param>
/// <param name="NotAnswering">In a cluster: the nodes alive that did not answer in time, whose sessions and identities
/// the frame lacks (as <c>Usher-Nodes-Not-Answering</c> names them); absent when every node answered.</param>
public sealed record DashboardFrame(
    DateTimeOffset At,
    StatusResponse Status,
    IReadOnlyList<IdentityCount> Identities,
    IReadOnlyList<SessionView> Sessions,
    int SessionsTotal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Node = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? NotAnswering = null)
{
    /// <summary>Identities a frame carries at most.</summary>
    public const int MaxIdentities = 50;

    /// <summary>Sessions a frame carries at most: a browser table past that helps nobody, and the filter of
    /// <c>/api/sessions</c> finds the rest.</summary>
    public const int MaxSessions = 1000;
}
