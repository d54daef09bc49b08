using System.Net;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.EndToEnd.Tests.Http;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Tls;

/// <summary>HTTPS: a listener that terminates TLS and counts by a request header in front of a real HTTP/1.1 server,
/// with curl <c>https://</c> checking the gateway's certificate against the test CA: the second request of a held user
/// gets 429 inside TLS.</summary>
public sealed class HttpsTests(HeldHttpServer http, TlsCertificates certificates) : IClassFixture<HeldHttpServer>, IClassFixture<TlsCertificates>
{
    [Fact]
    public async Task A_second_https_request_of_a_held_X_User_gets_429_and_another_user_passes()
    {
        await using var gateway = TestGateway.Start(new ListenerSettings
        {
            Name = "https",
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            BackendHost = http.EndPoint.Address.ToString(),
            BackendPort = http.EndPoint.Port,
            Identity = IdentityKind.HttpHeader,
            IdentityArgument = "X-User",
            MaxSessionsPerIdentity = 1,
            Keepalive = EndToEnd.FastKeepalive,
            UserTimeout = EndToEnd.FastKeepalive.Budget,
            Tls = new TlsSettings { Certificate = certificates.ServerPem, Key = certificates.ServerKey },
        });
        var hold = Guid.NewGuid().ToString("N");
        await using var held = RunningProcess.Start(Tools.Find("curl"), Curl(gateway, $"/hold/{hold}", "alice"));
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        var refused = await RunningProcess.RunAsync(Tools.Find("curl"), Curl(gateway, "/", "alice"), TimeSpan.FromSeconds(60));
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.StartsWith("HTTP/1.1 429 Too Many Requests", refused.Output, StringComparison.Ordinal);
        Assert.Equal("alice", (await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon))["Identity"]);

        var bob = await RunningProcess.RunAsync(Tools.Find("curl"), Curl(gateway, "/", "bob"), TimeSpan.FromSeconds(60));
        Assert.True(bob.ExitCode == 0, bob.ToString());
        Assert.EndsWith("hello bob /", bob.Output.TrimEnd(), StringComparison.Ordinal);

        http.Release(hold);
        Assert.Equal(0, await held.WaitForExitAsync(EndToEnd.Soon));
        Assert.EndsWith($"hello alice /hold/{hold}", string.Join('\n', held.Output).TrimEnd(), StringComparison.Ordinal);
    }

    /// <summary>curl over HTTPS (HTTP/1.1) to localhost, checking the certificate, printing the head and body.</summary>
    private string[] Curl(TestGateway gateway, string path, string user) =>
        ["-sS", "-i", "--http1.1", "--max-time", "30", "--cacert", certificates.CaPem, "--resolve", $"localhost:{gateway.EndPoint.Port}:127.0.0.1",
            "-H", $"X-User: {user}", $"https://localhost:{gateway.EndPoint.Port}{path}"];
}
