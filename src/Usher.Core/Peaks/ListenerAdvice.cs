namespace Usher.Peaks;

/// <summary>What the records say of one identity on one listener.</summary>
/// <param name="Identity">As recorded (as the listener shows it).</param>
/// <param name="Peak">The most sessions it held or asked for at once.</param>
/// <param name="Refused">How many times its limit refused it.</param>
/// <param name="HoursAbove">In how many hours it went above the suggested limit.</param>
/// <param name="Limit">Its limit now (the listener's, or its override).</param>
public sealed record IdentityPeak(string Identity, int Peak, int Refused, int HoursAbove, int Limit);

/// <summary><c>usher advise</c>'s answer for one listener.</summary>
public sealed record ListenerAdvice
{
    /// <summary>The listener's name.</summary>
    public required string Listener { get; init; }

    /// <summary>Identities recorded.</summary>
    public required int Identities { get; init; }

    /// <summary>Hours with at least one session recorded.</summary>
    public required int Hours { get; init; }

    /// <summary>MaxSessionsPerIdentity now.</summary>
    public required int CurrentLimit { get; init; }

    /// <summary>The suggested MaxSessionsPerIdentity.</summary>
    public required int SuggestedLimit { get; init; }

    /// <summary>The share (percent) of identities that never went above the limit suggested for them (the
    /// listener's or their override).</summary>
    public required double Covered { get; init; }

    /// <summary>Overrides suggested: identities above the suggested limit in at least the steady hours asked for (a
    /// service account that needs more, not a one-off pile-up), and identities overridden now that still need more.</summary>
    public required IReadOnlyList<IdentityPeak> Overrides { get; init; }

    /// <summary>Identities refused under the limits now.</summary>
    public required IReadOnlyList<IdentityPeak> RefusedNow { get; init; }

    /// <summary>Identities that would have been refused under the suggested limits.</summary>
    public required IReadOnlyList<IdentityPeak> WouldBeRefused { get; init; }

    /// <summary>Overrides in the configuration now whose identity the records show within the suggested limit (an
    /// override whose identity was not seen at all is kept).</summary>
    public required IReadOnlyList<string> UnneededOverrides { get; init; }

    /// <summary>Overrides in the configuration now whose identity was not recorded: kept as they are (a service
    /// account may not have run in the hours recorded).</summary>
    public required IReadOnlyList<IdentityPeak> KeptOverrides { get; init; }

    /// <summary>Identities above the suggested limit that cannot be overridden because the listener shows them hashed
    /// or shortened (IdentityDisplay): the override needs the identity in clear.</summary>
    public required bool MaskedIdentities { get; init; }
}
