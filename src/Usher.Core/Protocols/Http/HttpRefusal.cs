using System.Globalization;
using System.Text;

namespace Usher.Protocols.Http;

/// <summary>The answers an HTTP/1.1 client understands, each closing the connection: 429 Too Many Requests (RFC 6585
/// 4) with Retry-After (RFC 9110 10.2.3) for a refusal, 400 Bad Request for a request the identity cannot be read
/// from, 401 (407 for Proxy-Authorization) with a Basic challenge for missing credentials. A response to HEAD has no
/// body (RFC 9110 9.3.2), its Content-Length is the one GET would have.</summary>
public static class HttpRefusal
{
    /// <summary>The body sent.</summary>
    public const string Body = "Too many connections for this identity; retry later.\n";

    /// <summary>The whole response, status line to body:
    /// <c>HTTP/1.1 429 Too Many Requests</c>, <c>Retry-After</c>, <c>Connection: close</c>,
    /// <c>Content-Type: text/plain</c>, <c>Content-Length</c>. Allocates: build it once per listener.</summary>
    /// <param name="retryAfterSeconds">Seconds the client should wait (0 or more).</param>
    /// <param name="head">Whether the request was HEAD: the same head, no body.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative seconds.</exception>
    public static byte[] TooManyRequests(int retryAfterSeconds, bool head = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retryAfterSeconds);
        return Response("429 Too Many Requests", string.Create(CultureInfo.InvariantCulture, $"Retry-After: {retryAfterSeconds}\r\n"), Body, head);
    }

    /// <summary>400 Bad Request with <paramref name="problem"/> (which never holds a secret) as its body.</summary>
    public static byte[] BadRequest(string problem, bool head = false)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return Response("400 Bad Request", string.Empty, $"Bad request: {OneLine(problem)}.\n", head);
    }

    /// <summary>401 Unauthorized with <c>WWW-Authenticate: Basic realm="realm"</c> (RFC 7617), or for a proxy
    /// (<paramref name="proxy"/>) 407 Proxy Authentication Required with <c>Proxy-Authenticate</c>.</summary>
    public static byte[] BasicChallenge(string realm, string problem, bool proxy = false, bool head = false)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(problem);
        var quoted = OneLine(realm).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        var challenge = $"Basic realm=\"{quoted}\", charset=\"UTF-8\"\r\n";
        return proxy
            ? Response("407 Proxy Authentication Required", "Proxy-Authenticate: " + challenge, $"Proxy authentication required: {OneLine(problem)}.\n", head)
            : Response("401 Unauthorized", "WWW-Authenticate: " + challenge, $"Authentication required: {OneLine(problem)}.\n", head);
    }

    private static byte[] Response(string status, string fields, string body, bool head)
    {
        var length = Encoding.UTF8.GetByteCount(body);
        var response = string.Create(
            CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status}\r\n{fields}Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {length}\r\n\r\n{(head ? string.Empty : body)}");
        return Encoding.UTF8.GetBytes(response);
    }

    /// <summary>Header values and the body line hold no control characters.</summary>
    private static string OneLine(string text) =>
        string.Create(text.Length, text, static (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                span[i] = char.IsControl(t[i]) ? ' ' : t[i];
            }
        });
}
