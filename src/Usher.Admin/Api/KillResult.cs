namespace Usher.Admin.Api;

/// <summary>The answer to <c>DELETE /api/sessions/…</c>.</summary>
/// <param name="Killed">How many sessions were killed.</param>
/// <param name="Ids">Their ids.</param>
/// <param name="Closed">Whether all of them had closed (both sides, slots released) when the answer was sent.</param>
public sealed record KillResult(int Killed, IReadOnlyList<long> Ids, bool Closed);
