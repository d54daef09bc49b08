using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Usher.Protocols.Imap;

/// <summary>The SASL PLAIN message (RFC 4616): base64 of <c>[authzid] NUL authcid NUL passwd</c>. The identity is
/// the authentication identity (authcid). The password is decoded into a stack buffer that is cleared before
/// returning, and never leaves this class.</summary>
internal static class ImapPlain
{
    /// <summary>Base64 of the longest message RFC 4616 allows (three fields of 255 bytes and two NULs), rounded up.</summary>
    internal const int MaxResponse = 1024;

    internal static string? AuthenticationIdentity(ReadOnlySpan<byte> base64, bool lowerCase, out string? problem)
    {
        problem = null;
        if (base64.Length > MaxResponse || !Base64Chars.IsStrict(base64))
        {
            problem = "malformed AUTHENTICATE PLAIN response";
            return null;
        }

        Span<byte> message = stackalloc byte[MaxResponse / 4 * 3];
        try
        {
            if (Base64.DecodeFromUtf8(base64, message, out _, out var written) != OperationStatus.Done)
            {
                problem = "malformed AUTHENTICATE PLAIN response";
                return null;
            }

            var decoded = message[..written];
            var first = decoded.IndexOf((byte)0);
            var second = first < 0 ? -1 : decoded[(first + 1)..].IndexOf((byte)0);
            if (second < 0)
            {
                problem = "malformed AUTHENTICATE PLAIN response";
                return null;
            }

            var authcid = decoded.Slice(first + 1, second);
            var error = IdentityText.Check(authcid);
            if (error != IdentityTextError.None)
            {
                problem = IdentityText.Problem("login", error);
                return null;
            }

            return IdentityText.Decode(authcid, lowerCase);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(message);
        }
    }
}
