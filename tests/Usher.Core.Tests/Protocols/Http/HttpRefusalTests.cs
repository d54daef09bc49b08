using System.Text;
using Usher.Protocols.Http;

namespace Usher.Core.Tests.Protocols.Http;

public sealed class HttpRefusalTests
{
    [Fact]
    public void WritesA429WithRetryAfterAndCloses()
    {
        var response = Encoding.ASCII.GetString(HttpRefusal.TooManyRequests(30));

        Assert.Equal(
            "HTTP/1.1 429 Too Many Requests\r\n" +
            "Retry-After: 30\r\n" +
            "Connection: close\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            $"Content-Length: {HttpRefusal.Body.Length}\r\n" +
            "\r\n" +
            HttpRefusal.Body,
            response);
    }

    [Fact]
    public void GivesAContentLengthThatMatchesTheBody()
    {
        var response = Encoding.ASCII.GetString(HttpRefusal.TooManyRequests(0));
        var head = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = response[(head + 4)..];

        Assert.Contains($"Content-Length: {body.Length}\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesANegativeRetryAfter()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HttpRefusal.TooManyRequests(-1));
    }

    [Fact]
    public void AnswersHeadWithTheSameHeadAndNoBody()
    {
        var get = Encoding.ASCII.GetString(HttpRefusal.TooManyRequests(5));
        var head = Encoding.ASCII.GetString(HttpRefusal.TooManyRequests(5, head: true));

        Assert.Equal(get[..(get.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)], head);
    }

    [Fact]
    public void AsksForBasicCredentialsWith401OrWith407ForAProxy()
    {
        var www = Encoding.ASCII.GetString(HttpRefusal.BasicChallenge("a \"b\"", "no Authorization header"));
        var proxy = Encoding.ASCII.GetString(HttpRefusal.BasicChallenge("api", "no Proxy-Authorization header", proxy: true));

        Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"a \\\"b\\\"\", charset=\"UTF-8\"\r\n", www, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"api\"", proxy, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainsABadRequestOnOneLine()
    {
        var response = Encoding.ASCII.GetString(HttpRefusal.BadRequest("no X-User\r\nheader"));

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nBad request: no X-User  header.\n", response, StringComparison.Ordinal);
    }
}
