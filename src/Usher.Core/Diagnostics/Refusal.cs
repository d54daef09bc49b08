using System.Net;

namespace Usher.Diagnostics;

/// <summary>One refused session, as reported to <see cref="RefusalLogFolder"/>: folded by <c>Identity</c> (as counted),
/// logged as <see cref="Logged"/> (as the listener shows it, <c>IdentityDisplay</c>; <c>Shown</c> when given).</summary>
public readonly record struct Refusal(
    string Listener, string Identity, string IdentityKind, int Count, int Limit, string Scope, string Policy, EndPoint Client,
    string? Shown = null)
{
    /// <summary>The <see cref="Scope"/> of a refusal because the ledger could not decide (logged as event 9656).</summary>
    public const string LedgerScope = "ledger";

    /// <summary>The identity as logged.</summary>
    public string Logged => Shown ?? Identity;
}
