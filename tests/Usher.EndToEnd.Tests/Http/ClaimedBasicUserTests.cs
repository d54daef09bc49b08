using System.Net;
using System.Net.Sockets;
using System.Text;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Sessions;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Http;

/// <summary>The user of Basic credentials (<c>HttpHeader:Authorization</c>) is only claimed until the server answers
/// with something other than 401 / 407: with Takeover, a wrong password gets the server's 401 and leaves alice's held
/// request alone; her right password takes her oldest session over.</summary>
public sealed class ClaimedBasicUserTests(HeldHttpServer http) : IClassFixture<HeldHttpServer>
{
    [Fact]
    public async Task A_wrong_password_gets_the_servers_401_and_takes_nothing_over_while_the_right_one_does()
    {
        await using var gateway = TestGateway.Start(Listener("http-claims", OnLimitPolicy.Takeover));
        var hold = Guid.NewGuid().ToString("N");
        await using var held = RunningProcess.Start(Tools.Find("curl"), Arguments(gateway, $"/hold/{hold}", "alice:right"));
        var opened = await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        var wrong = await CurlAsync(gateway, "/", "alice:wrong-guess");
        Assert.True(wrong.ExitCode == 0, wrong.ToString());
        Assert.StartsWith("HTTP/1.1 401 Unauthorized", wrong.Output, StringComparison.Ordinal);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionReclaimed));
        Assert.Equal(1, gateway.SessionsOf("alice"));
        Assert.False(held.HasExited, held.Describe());

        var right = await CurlAsync(gateway, "/", "alice:right");
        Assert.StartsWith("HTTP/1.1 200 OK", right.Output, StringComparison.Ordinal);
        Assert.EndsWith("hello alice /", right.Output.TrimEnd(), StringComparison.Ordinal);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => Equals(r["SessionId"], opened["SessionId"]));
        Assert.Equal(CloseReason.TakenOver, closed["CloseReason"]);
        http.Release(hold);
    }

    [Fact]
    public async Task A_client_that_closes_and_reconnects_at_once_at_its_limit_of_one_is_never_refused()
    {
        // Claims at the limit wait in line (ClosingWait) before the server sees them: each request's session is still
        // ending, its FIN passed on, when the next connects.
        await using var gateway = TestGateway.Start(Listener("http-reconnect", OnLimitPolicy.Reject));
        var request = Encoding.ASCII.GetBytes("GET /again HTTP/1.1\r\nHost: usher\r\nAuthorization: Basic "
            + Convert.ToBase64String(Encoding.ASCII.GetBytes("alice:right")) + "\r\n\r\n");
        var started = Environment.TickCount64;
        for (var i = 0; i < 150 && Environment.TickCount64 - started < 60_000; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(gateway.EndPoint);
            await socket.SendAsync(request);
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            using var cts = new CancellationTokenSource(EndToEnd.Soon);
            while (!answer.ToString().Contains("hello alice /again", StringComparison.Ordinal)
                && await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) is > 0 and var read)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            Assert.True(answer.ToString().StartsWith("HTTP/1.0 200", StringComparison.Ordinal)
                || answer.ToString().StartsWith("HTTP/1.1 200", StringComparison.Ordinal), $"request {i}: {answer}");
        }

        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionLimitExceeded));
    }

    /// <summary>A listener counting Basic users at one session each, shown in clear.</summary>
    private ListenerSettings Listener(string name, OnLimitPolicy onLimit) => new()
    {
        Name = name,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = http.EndPoint.Address.ToString(),
        BackendPort = http.EndPoint.Port,
        Identity = IdentityKind.HttpHeader,
        IdentityArgument = "Authorization",
        IdentityDisplay = IdentityDisplay.Clear,
        MaxSessionsPerIdentity = 1,
        OnLimit = onLimit,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    private static Task<ProcessResult> CurlAsync(TestGateway gateway, string path, string credentials) =>
        RunningProcess.RunAsync(Tools.Find("curl"), Arguments(gateway, path, credentials), TimeSpan.FromSeconds(60));

    private static string[] Arguments(TestGateway gateway, string path, string credentials) =>
        ["-sS", "-i", "--max-time", "30", "-u", credentials, $"http://{gateway.EndPoint}{path}"];
}
