namespace Usher.Identity;

/// <summary>The <see cref="IdentityDisplay"/> of a listener that does not set one: <see cref="IdentityDisplay.Hash"/>
/// when its identity comes from an HTTP header whose name says it carries a secret, <see cref="IdentityDisplay.Clear"/>
/// otherwise.</summary>
public static class IdentityDisplayDefault
{
    /// <summary>Parts of a header name, compared without regard to case, that mark it as carrying a secret:
    /// <c>X-Api-Key</c>, <c>X-Auth-Token</c>, <c>Authorization</c> (the Basic user is often an API key itself),
    /// <c>X-Client-Secret</c>, <c>Cookie</c>, <c>X-Session-Id</c>, <c>X-Password</c>, <c>X-Credential</c>.</summary>
    public static IReadOnlyList<string> SecretWords { get; } =
        ["key", "token", "secret", "auth", "pass", "cookie", "session", "credential"];

    /// <summary>The display of an identity of <paramref name="kind"/> (with <paramref name="argument"/>, the header
    /// name of <c>HttpHeader</c>) when the listener does not set <c>IdentityDisplay</c>.</summary>
    public static IdentityDisplay For(IdentityKind kind, string? argument) =>
        kind == IdentityKind.HttpHeader && argument is not null && LooksSecret(argument) ? IdentityDisplay.Hash : IdentityDisplay.Clear;

    /// <summary>Whether a header's name says it carries a secret (see <see cref="SecretWords"/>).</summary>
    public static bool LooksSecret(string headerName)
    {
        ArgumentNullException.ThrowIfNull(headerName);
        foreach (var word in SecretWords)
        {
            if (headerName.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
