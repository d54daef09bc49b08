using System.Security.Cryptography;
using System.Text;

namespace Usher.Admin;

/// <summary>The admin token, compared in constant time: both sides are hashed first (SHA-256), so neither the time
/// taken nor an early exit on length tells an attacker how much of a guess was right.</summary>
internal sealed class BearerToken
{
    private const string Scheme = "Bearer ";
    private readonly byte[] _expected;

    public BearerToken(string token) => _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Why a request's Authorization header is refused; <c>null</c> when it carries the token.</summary>
    public string? Refuse(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return "no Authorization header";
        }

        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "the Authorization header is not \"Bearer <token>\"";
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorization.AsSpan(Scheme.Length).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(given, _expected) ? null : "wrong token";
    }
}
