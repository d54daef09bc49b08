using System.Buffers;

namespace Usher.Protocols;

/// <summary>Strict base64 (RFC 4648 4): the alphabet, padding only at the end, whole quanta; no whitespace.</summary>
internal static class Base64Chars
{
    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    internal static bool IsStrict(ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty || token.Length % 4 != 0)
        {
            return false;
        }

        var padding = token.Length - token.TrimEnd((byte)'=').Length;
        return padding <= 2 && !token[..^padding].ContainsAnyExcept(Alphabet);
    }
}
