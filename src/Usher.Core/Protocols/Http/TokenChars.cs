using System.Buffers;

namespace Usher.Protocols.Http;

/// <summary>The token characters as a vectorized search set.</summary>
internal static class TokenChars
{
    internal static readonly SearchValues<byte> Values =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
}
