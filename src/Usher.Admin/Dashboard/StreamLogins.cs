using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Usher.Admin.Dashboard;

/// <summary>The cookies <c>POST /api/login</c> hands a browser that showed the bearer token, so that its
/// <c>EventSource</c> (which cannot send an Authorization header) may open <c>GET /api/events</c>. A cookie is 256
/// random bits, good for <see cref="Lifetime"/>, for that one path; only its SHA-256 is kept, so a lookup's timing
/// tells nothing about a guess. The token itself never travels in a URL or a cookie.</summary>
internal sealed class StreamLogins
{
    /// <summary>The cookie's name.</summary>
    public const string CookieName = "usher-events";

    /// <summary>Cookies held at once; the oldest go first.</summary>
    private const int MaxLogins = 256;

    /// <summary>How long a cookie opens the stream: an operator's shift. A restart of Usher forgets them all; the page
    /// then logs in again with the token it keeps in sessionStorage.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, long> _expiries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public StreamLogins(TimeProvider time) => _time = time;

    /// <summary>A new cookie value.</summary>
    public string Issue()
    {
        var now = _time.GetTimestamp();
        foreach (var (key, expires) in _expiries)
        {
            if (expires <= now)
            {
                _expiries.TryRemove(key, out _);
            }
        }

        while (_expiries.Count >= MaxLogins && _expiries.MinBy(e => e.Value) is { Key: { } oldest })
        {
            _expiries.TryRemove(oldest, out _);
        }

        var value = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        _expiries[KeyOf(value)] = now + (long)(Lifetime.TotalSeconds * _time.TimestampFrequency);
        return value;
    }

    /// <summary>Whether <paramref name="value"/> is a cookie this endpoint issued and that has not expired.</summary>
    public bool Admits(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64
        && _expiries.TryGetValue(KeyOf(value), out var expires) && expires > _time.GetTimestamp();

    private static string KeyOf(string value) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
