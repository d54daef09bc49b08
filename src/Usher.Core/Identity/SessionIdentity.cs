namespace Usher.Identity;

/// <summary>Who a session belongs to: the value quotas are counted by, and where it came from.</summary>
/// <param name="Kind">The source of the identity.</param>
/// <param name="Value">The identity itself, e.g. <c>10.0.0.7</c> or <c>alice</c>: what the ledger counts and
/// <c>Overrides</c> match. Never log it: log <see cref="Shown"/>.</param>
public readonly record struct SessionIdentity(IdentityKind Kind, string Value)
{
    private readonly string? _shown;

    /// <summary>The identity as logs, the admin API, the dashboard and the CLI show it: <see cref="Value"/> itself,
    /// or its keyed hash or prefix on a listener whose <c>IdentityDisplay</c> hides it (<see cref="IdentityMask"/>).</summary>
    public string Shown
    {
        get => _shown ?? Value;
        init => _shown = value;
    }

    /// <inheritdoc />
    public override string ToString() => Shown;
}
