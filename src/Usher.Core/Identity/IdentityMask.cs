using System.Security.Cryptography;
using System.Text;
using Usher.Protocols.Composite;

namespace Usher.Identity;

/// <summary>Turns an identity into the form a listener shows (<see cref="IdentityDisplay"/>): once per session, when
/// the session is identified; logs, the admin API, the dashboard and the CLI read that form, while the ledger and
/// <c>Overrides</c> keep the identity as read.</summary>
/// <remarks>Of a composite identity (<c>key@10.0.0.7</c>) only the first part is hidden: <c>hmac:…@10.0.0.7</c>.
/// Security: a hash is keyed so that whoever reads a log cannot test guesses against it (an unkeyed SHA-256 of a
/// short secret is reversed by trying); whoever holds the key can, so keep <c>IdentityHashKeyFile</c> as private as
/// the secrets it hides.</remarks>
public sealed class IdentityMask
{
    /// <summary>What <see cref="IdentityDisplay.Hash"/> writes before the hex digits.</summary>
    public const string HashPrefix = "hmac:";

    /// <summary>What <see cref="IdentityDisplay.Prefix"/> writes after the characters it shows.</summary>
    public const string Ellipsis = "…";

    /// <summary>Hex digits of a hash shown: 64 bits, so two identities of one listener share a form with a chance of
    /// one in 2^32 only past four billion identities.</summary>
    public const int HashDigits = 16;

    /// <summary>The most characters <see cref="IdentityDisplay.Prefix"/> shows.</summary>
    public const int PrefixCharacters = 4;

    private readonly byte[] _key;
    private readonly bool _composite;

    /// <summary>Creates a mask.</summary>
    /// <param name="display">How identities are shown.</param>
    /// <param name="key">The HMAC key of <see cref="IdentityDisplay.Hash"/>.</param>
    /// <param name="composite">Whether identities are composite (<c>X+SourceIp</c>): only their first part is hidden.</param>
    public IdentityMask(IdentityDisplay display, byte[] key, bool composite = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        Display = display;
        _key = key;
        _composite = composite;
    }

    /// <summary>Shows identities as they are.</summary>
    public static IdentityMask Clear { get; } = new(IdentityDisplay.Clear, []);

    /// <summary>The key used when the configuration names no <c>IdentityHashKeyFile</c>: drawn once per process, so
    /// hashes are stable while the process runs and differ after a restart and between nodes.</summary>
    public static byte[] ProcessKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>How this mask shows identities.</summary>
    public IdentityDisplay Display { get; }

    /// <summary>The key of a key file's content: its trimmed text as UTF-8, as <c>openssl dgst -hmac "$(cat FILE)"</c>
    /// takes it.</summary>
    public static byte[] KeyOf(string fileText)
    {
        ArgumentNullException.ThrowIfNull(fileText);
        return Encoding.UTF8.GetBytes(fileText.Trim());
    }

    /// <summary>The form of <paramref name="identity"/> to show.</summary>
    public string Show(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (Display == IdentityDisplay.Clear)
        {
            return identity;
        }

        var at = _composite ? identity.LastIndexOf(CompositeIdentity.Separator) : -1;
        return at < 0 ? Hide(identity) : Hide(identity[..at]) + identity[at..];
    }

    /// <summary>Whether <paramref name="typed"/> names the identity shown as <paramref name="shown"/>: the same text,
    /// or, for a prefix, with <c>...</c> typed for <c>…</c>.</summary>
    public static bool Names(string typed, string shown)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(shown);
        return typed == shown || (typed.Contains("...", StringComparison.Ordinal)
            && typed.Replace("...", Ellipsis, StringComparison.Ordinal) == shown);
    }

    private string Hide(string value) => Display == IdentityDisplay.Hash ? Hash(value) : Prefix(value);

    private string Hash(string value)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(value), mac);
        return HashPrefix + Convert.ToHexStringLower(mac[..(HashDigits / 2)]);
    }

    /// <summary>At most <see cref="PrefixCharacters"/> characters and at most a quarter of the value (whole Unicode
    /// characters), so a short secret keeps most of itself hidden.</summary>
    private static string Prefix(string value)
    {
        var runes = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            runes++;
        }

        var show = Math.Min(PrefixCharacters, runes / 4);
        var end = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (show-- <= 0)
            {
                break;
            }

            end += rune.Utf16SequenceLength;
        }

        return value[..end] + Ellipsis;
    }
}
