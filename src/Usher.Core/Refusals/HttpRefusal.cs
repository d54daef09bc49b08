using System.Globalization;
using System.Text;

namespace Usher.Refusals;

/// <summary>The refusal an HTTP/1.1 client understands: 429 Too Many Requests (RFC 6585 4) with Retry-After (RFC
/// 9110 10.2.3), and the connection closed.</summary>
public static class HttpRefusal
{
    /// <summary>The body sent.</summary>
    public const string Body = "Too many connections for this identity; retry later.\n";

    /// <summary>The whole response, status line to body:
    /// <c>HTTP/1.1 429 Too Many Requests</c>, <c>Retry-After</c>, <c>Connection: close</c>,
    /// <c>Content-Type: text/plain</c>, <c>Content-Length</c>. Allocates: build it once per listener.</summary>
    /// <param name="retryAfterSeconds">Seconds the client should wait (0 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative seconds.</exception>
    public static byte[] TooManyRequests(int retryAfterSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retryAfterSeconds);
        var response = string.Create(
            CultureInfo.InvariantCulture,
            $"HTTP/1.1 429 Too Many Requests\r\nRetry-After: {retryAfterSeconds}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {Body.Length}\r\n\r\n{Body}");
        return Encoding.ASCII.GetBytes(response);
    }
}
