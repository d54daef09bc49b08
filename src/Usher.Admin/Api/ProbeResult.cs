using System.Text.Json.Serialization;

namespace Usher.Admin.Api;

/// <summary>The answer to <c>POST /api/sessions/{id}/probe</c> (202 Accepted): the probe runs; a client found dead ends
/// the session as <c>ClientDead</c> (events 9648, 9642) within the budget.</summary>
/// <param name="Id">The session's id.</param>
/// <param name="BudgetSeconds">How long its client has to answer: the listener's ProbeInterval × ProbeCount.</param>
/// <param name="Started">Whether this request started the probe; <c>false</c> when one was already under way.</param>
/// <param name="Node">The node the session runs on, in a cluster (a Redis ledger); absent otherwise.</param>
public sealed record ProbeResult(long Id, double BudgetSeconds, bool Started,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Node = null);
