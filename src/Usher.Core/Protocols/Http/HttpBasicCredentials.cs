using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Usher.Protocols.Http;

/// <summary>The user of <c>Basic</c> credentials (RFC 7617): base64 of <c>user:password</c>. The password is decoded
/// into a stack buffer that is cleared before returning, and never leaves this class.</summary>
internal static class HttpBasicCredentials
{
    private const int MaxToken = 1024;

    internal static HandshakeResult User(ReadOnlySpan<byte> value)
    {
        // auth-scheme 1*SP token68
        var sp = value.IndexOf((byte)' ');
        if (sp < 0 || !System.Text.Ascii.EqualsIgnoreCase(value[..sp], "Basic"u8))
        {
            return HandshakeResult.Invalid("credentials are not Basic");
        }

        var token = value[(sp + 1)..].TrimStart((byte)' ');
        if (token.Length > MaxToken || !Base64Chars.IsStrict(token))
        {
            return HandshakeResult.Invalid("malformed Basic credentials");
        }

        Span<byte> decoded = stackalloc byte[MaxToken / 4 * 3];
        try
        {
            if (Base64.DecodeFromUtf8(token, decoded, out _, out var written) != OperationStatus.Done)
            {
                return HandshakeResult.Invalid("malformed Basic credentials");
            }

            var colon = decoded[..written].IndexOf((byte)':');
            if (colon < 0)
            {
                return HandshakeResult.Invalid("malformed Basic credentials");
            }

            var user = decoded[..colon];
            var error = IdentityText.Check(user);
            return error == IdentityTextError.None
                ? new HandshakeResult(HandshakeStatus.Identified, IdentityText.Decode(user, false))
                : HandshakeResult.Invalid(IdentityText.Problem("Basic user", error));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }
    }
}
