namespace Usher.Identity;

/// <summary>Who a session belongs to: the value quotas are counted by, and where it came from.</summary>
/// <param name="Kind">The source of the identity.</param>
/// <param name="Value">The identity itself, e.g. <c>10.0.0.7</c> or <c>alice</c>.</param>
public readonly record struct SessionIdentity(IdentityKind Kind, string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}
