using System.Globalization;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary>A web page that rebinds its own name to the admin endpoint's address (DNS rebinding) reaches it from the
/// operator's browser, with its name in <c>Host</c>; another page can send a kill with its own <c>Origin</c>. Every
/// request, token or not, must name the endpoint in <c>Host</c> (421 otherwise), and a request that changes state
/// must not come from another origin (403). Sent with curl, as an attacker's browser or an operator would.</summary>
public sealed class HostAndOriginTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_rebound_Host_gets_421_and_can_neither_list_nor_kill_while_the_endpoints_own_names_are_answered()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(null, null, ["usher.internal"], TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var port = admin.Url.Port.ToString(CultureInfo.InvariantCulture);
        var sessions = $"http://127.0.0.1:{port}/api/sessions";

        var list = await CurlAsync("-H", "Host: rebind.attacker.example", sessions);
        var kill = await CurlAsync("-X", "DELETE", "-H", $"Host: rebind.attacker.example:{port}", sessions + "?listener=test&identity=127.0.0.1");

        Assert.Equal("421", list.Status);
        Assert.Contains("Host \\\"rebind.attacker.example\\\" names neither", list.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"identity\"", list.Body, StringComparison.Ordinal);
        Assert.Equal("421", kill.Status);
        Assert.Equal(1, admin.Sessions.Count);
        var refused = await admin.Gateway.Logs.WaitForAsync(UsherEvents.AdminUnauthorized, Wait);
        Assert.Equal("/api/sessions", refused["Path"]);

        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"[::1]:{port}", "usher.internal", $"USHER.internal:{port}" })
        {
            Assert.Equal("200", (await CurlAsync("-H", $"Host: {host}", sessions)).Status);
        }

        var own = await CurlAsync(sessions);
        Assert.Equal("200", own.Status);
        Assert.Contains("\"identity\"", own.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kill_from_another_origin_gets_403_and_a_kill_from_the_endpoints_own_origin_or_without_Origin_goes_through()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint));
        using var first = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        using var second = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await first.IsAdmittedAsync());
        Assert.True(await second.IsAdmittedAsync());
        var port = admin.Url.Port.ToString(CultureInfo.InvariantCulture);
        var ids = admin.Sessions.List().Select(s => s.Id).Order().ToArray();
        var bearer = $"Authorization: Bearer {TestAdmin.Token}";
        string Session(long id) => $"http://127.0.0.1:{port}/api/sessions/{id}";

        var forged = await CurlAsync("-X", "DELETE", "-H", bearer, "-H", "Origin: http://evil.example", Session(ids[0]));
        var otherPort = await CurlAsync("-X", "DELETE", "-H", bearer, "-H", "Origin: http://127.0.0.1:1", Session(ids[0]));
        var sandboxed = await CurlAsync("-X", "DELETE", "-H", bearer, "-H", "Origin: null", Session(ids[0]));

        Assert.Equal("403", forged.Status);
        Assert.Contains("Origin \\\"http://evil.example\\\" is not this endpoint's own", forged.Body, StringComparison.Ordinal);
        Assert.Equal("403", otherPort.Status);
        Assert.Equal("403", sandboxed.Status);
        Assert.Equal(2, admin.Sessions.Count);

        // Reading from another origin is left to the browser (no CORS header is ever sent): a GET is answered.
        Assert.Equal("200", (await CurlAsync("-H", bearer, "-H", "Origin: http://evil.example", $"http://127.0.0.1:{port}/api/status")).Status);

        Assert.Equal("200", (await CurlAsync("-X", "DELETE", "-H", bearer, "-H", $"Origin: http://127.0.0.1:{port}", Session(ids[0]))).Status);
        Assert.Equal("200", (await CurlAsync("-X", "DELETE", "-H", bearer, Session(ids[1]))).Status);
        await Eventually.HoldsAsync(() => admin.Sessions.Count == 0, Wait, "both sessions killed");
    }

    [Fact]
    public async Task With_a_token_a_rebound_Host_is_refused_before_the_token_is_looked_at()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint));
        var port = admin.Url.Port.ToString(CultureInfo.InvariantCulture);

        var status = await CurlAsync("-H", $"Authorization: Bearer {TestAdmin.Token}", "-H", "Host: rebind.attacker.example",
            $"http://127.0.0.1:{port}/api/status");
        var health = await CurlAsync("-H", "Host: rebind.attacker.example", $"http://127.0.0.1:{port}/healthz");

        Assert.Equal("421", status.Status);
        Assert.Equal("421", health.Status);
    }

    /// <summary>curl's answer: the status code and the body.</summary>
    private static async Task<(string Status, string Body)> CurlAsync(params string[] arguments)
    {
        var result = await RunningProcess.RunAsync(Tools.Find("curl"), ["-s", "-w", "\n%{http_code}", .. arguments], Wait);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.TrimEnd('\n');
        var cut = lines.LastIndexOf('\n');
        return (lines[(cut + 1)..], cut < 0 ? string.Empty : lines[..cut]);
    }
}
