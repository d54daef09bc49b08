using System.Text;
using Usher.Refusals;

namespace Usher.Core.Tests.Refusals;

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
            "Content-Type: text/plain\r\n" +
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
}
