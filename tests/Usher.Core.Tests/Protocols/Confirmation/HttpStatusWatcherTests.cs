using System.Text;
using Usher.Protocols.Confirmation;
using Usher.Protocols.Http;

namespace Usher.Core.Tests.Protocols.Confirmation;

public sealed class HttpStatusWatcherTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")]
    [InlineData("HTTP/1.0 204 No Content\r\n\r\n")]
    [InlineData("HTTP/1.1 403 Forbidden\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\n\r\n")]
    public void AnyFinalStatusButTheAuthenticationOnesIsConfirmedAndHeld(string response)
    {
        WatcherFeed.EveryPieceSize(() => new HttpStatusWatcher(), Encoding.ASCII.GetBytes(response), BackendVerdict.Confirmed, passed: 0);
    }

    [Theory]
    [InlineData("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n")]
    [InlineData("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")]
    public void UnauthorizedIsRejected(string response)
    {
        var bytes = Encoding.ASCII.GetBytes(response);

        WatcherFeed.EveryPieceSize(() => new HttpStatusWatcher(), bytes, BackendVerdict.Rejected, bytes.Length);
    }

    [Fact]
    public void InterimResponsesPassAndTheFinalStatusDecides()
    {
        const string interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n";
        var ok = Encoding.ASCII.GetBytes(interim + "HTTP/1.1 200 OK\r\n\r\n");
        var unauthorized = Encoding.ASCII.GetBytes(interim + "HTTP/1.1 401 Unauthorized\r\n\r\n");

        WatcherFeed.EveryPieceSize(() => new HttpStatusWatcher(), ok, BackendVerdict.Confirmed, interim.Length);
        WatcherFeed.EveryPieceSize(() => new HttpStatusWatcher(), unauthorized, BackendVerdict.Rejected, unauthorized.Length);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH\r\n")]
    [InlineData("HTTP/2 200 \r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n")]
    public void AnythingButAnHttp1StatusLineIsRejected(string response)
    {
        Assert.Equal(BackendVerdict.Rejected, new HttpStatusWatcher().Watch(Encoding.ASCII.GetBytes(response)).Verdict);
    }
}
