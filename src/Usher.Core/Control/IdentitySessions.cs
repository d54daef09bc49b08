namespace Usher.Control;

/// <summary>One identity on one listener: the sessions the ledger counts for it, and the most it may hold.</summary>
/// <param name="Listener">The listener's name.</param>
/// <param name="Identity">The identity as the listener shows it.</param>
/// <param name="Kind">The listener's identity kind, as configured (e.g. <c>ImapLogin+SourceIp</c>).</param>
/// <param name="Open">Sessions it holds, as the ledger counts them.</param>
/// <param name="Limit">Sessions it may hold: its override, else the listener's MaxSessionsPerIdentity.</param>
/// <param name="Override">Whether <paramref name="Limit"/> comes from <c>Overrides</c>.</param>
public sealed record IdentitySessions(string Listener, string Identity, string Kind, int Open, int Limit, bool Override);
