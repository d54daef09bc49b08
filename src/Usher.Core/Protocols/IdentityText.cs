using System.Text;
using System.Text.Unicode;

namespace Usher.Protocols;

/// <summary>Turns the bytes of a login, a client id or a header value into an identity string: valid UTF-8, no
/// control characters (identities go to logs), at most <see cref="HandshakeLimits.MaxIdentityBytes"/> bytes.</summary>
internal static class IdentityText
{
    internal static IdentityTextError Check(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return IdentityTextError.Empty;
        }

        if (utf8.Length > HandshakeLimits.MaxIdentityBytes)
        {
            return IdentityTextError.TooLong;
        }

        foreach (var b in utf8)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return IdentityTextError.ControlCharacter;
            }
        }

        return Utf8.IsValid(utf8) ? IdentityTextError.None : IdentityTextError.NotUtf8;
    }

    /// <summary>The identity of checked bytes (<see cref="Check"/> returned None).</summary>
    internal static string Decode(ReadOnlySpan<byte> utf8, bool lowerCaseAscii)
    {
        if (!lowerCaseAscii)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[HandshakeLimits.MaxIdentityBytes];
        var n = Encoding.UTF8.GetChars(utf8, chars);
        for (var i = 0; i < n; i++)
        {
            var c = chars[i];
            if (c is >= 'A' and <= 'Z')
            {
                chars[i] = (char)(c + 32);
            }
        }

        return new string(chars[..n]);
    }

    /// <summary>The problem text for <paramref name="error"/> about <paramref name="field"/> (a constant name, never
    /// input).</summary>
    internal static string Problem(string field, IdentityTextError error) => error switch
    {
        IdentityTextError.Empty => field + " is empty",
        IdentityTextError.TooLong => field + " is longer than 256 bytes",
        IdentityTextError.NotUtf8 => field + " is not valid UTF-8",
        _ => field + " contains a control character",
    };

    /// <summary>The longest prefix of valid UTF-8 <paramref name="utf8"/> of at most <paramref name="max"/> bytes that
    /// does not split a character.</summary>
    internal static ReadOnlySpan<byte> Clip(ReadOnlySpan<byte> utf8, int max)
    {
        if (utf8.Length <= max)
        {
            return utf8;
        }

        var end = max;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return utf8[..end];
    }
}
