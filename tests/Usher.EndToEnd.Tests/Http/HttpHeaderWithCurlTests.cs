using System.Net;
using System.Text;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.EndToEnd.Tests.Http;

/// <summary>curl through Usher to a real HTTP/1.1 server, counted by a request header (<c>HttpHeader:X-User</c>) or by
/// the Basic-auth user (<c>HttpHeader:Authorization</c>): one held request per user, the next one answered
/// <c>429 Too Many Requests</c> with <c>Retry-After</c> (no body to a HEAD), other users unaffected, passwords never
/// logged; a request without the identity answered 400 (401 with a Basic challenge on a Basic listener), and a second
/// header whose name differs from the identity header's only by <c>-</c>/<c>_</c> or case refused with 400.</summary>
public sealed class HttpHeaderWithCurlTests(HeldHttpServer http) : IClassFixture<HeldHttpServer>
{
    [Fact]
    public async Task A_second_request_of_a_held_X_User_gets_429_with_Retry_After_and_another_user_passes()
    {
        await using var gateway = TestGateway.Start(Listener("X-User"));
        var hold = Guid.NewGuid().ToString("N");
        await using var held = Curl(gateway, $"/hold/{hold}", "-H", "X-User: alice");
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        var refused = await CurlAsync(gateway, "/", "-H", "X-User: alice");
        Assert.True(refused.ExitCode == 0, refused.ToString());
        var head = refused.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("HTTP/1.1 429 Too Many Requests", head[0]);
        Assert.Contains("Retry-After: 5", head);
        Assert.Contains("Connection: close", head);
        var refusal = await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon);
        Assert.Equal("alice", refusal["Identity"]);
        Assert.Equal("HttpHeader:X-User", refusal["IdentityKind"]);

        var bob = await CurlAsync(gateway, "/", "-H", "X-User: bob");
        Assert.True(bob.ExitCode == 0, bob.ToString());
        Assert.StartsWith("HTTP/1.1 200 OK", bob.Output, StringComparison.Ordinal);
        Assert.EndsWith("hello bob /", bob.Output.TrimEnd(), StringComparison.Ordinal);

        // The held request was never disturbed: released, it is answered.
        http.Release(hold);
        Assert.Equal(0, await held.WaitForExitAsync(EndToEnd.Soon));
        var answer = string.Join('\n', held.Output);
        Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
        Assert.EndsWith($"hello alice /hold/{hold}", answer.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_credentials_count_the_user_and_the_password_never_reaches_the_log()
    {
        // Shown in clear so the user's name can be looked for; Authorization is hashed by default.
        await using var gateway = TestGateway.Start(Listener("Authorization").With(identityDisplay: IdentityDisplay.Clear));
        var password = $"secret-{Guid.NewGuid():N}";
        var hold = Guid.NewGuid().ToString("N");
        await using var held = Curl(gateway, $"/hold/{hold}", "-u", $"alice:{password}");
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        var refused = await CurlAsync(gateway, "/", "-u", $"alice:{password}");
        Assert.StartsWith("HTTP/1.1 429 Too Many Requests", refused.Output, StringComparison.Ordinal);
        Assert.Equal("alice", (await gateway.Logs.WaitForAsync(UsherEvents.SessionLimitExceeded, EndToEnd.Soon))["Identity"]);

        var bob = await CurlAsync(gateway, "/", "-u", $"bob:{password}");
        Assert.StartsWith("HTTP/1.1 200 OK", bob.Output, StringComparison.Ordinal);
        Assert.EndsWith("hello bob /", bob.Output.TrimEnd(), StringComparison.Ordinal);
        http.Release(hold);
        Assert.Equal(0, await held.WaitForExitAsync(EndToEnd.Soon));
        await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        // Neither the password nor the credentials as sent appear in any message or field of the log.
        var everything = string.Join('\n', gateway.Logs.Records.Select(r =>
            $"{r.Message} {string.Join(' ', r.State.Select(p => $"{p.Key}={p.Value}"))} {r.Exception}"));
        Assert.Contains("alice", everything, StringComparison.Ordinal);
        foreach (var secret in new[] { password, Convert.ToBase64String(Encoding.UTF8.GetBytes($"alice:{password}")) })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, gateway.Logs.Dump(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task By_default_a_Basic_user_is_shown_as_its_keyed_hash_and_neither_it_nor_the_password_is_logged()
    {
        await using var gateway = TestGateway.Start(Listener("Authorization"));
        var user = $"sk_live_{Guid.NewGuid():N}";
        var hash = new IdentityMask(IdentityDisplay.Hash, IdentityMask.ProcessKey).Show(user);

        var answer = await CurlAsync(gateway, "/", "-u", $"{user}:");

        Assert.StartsWith("HTTP/1.1 200 OK", answer.Output, StringComparison.Ordinal);
        var closed = await gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, EndToEnd.Soon);
        Assert.Equal(hash, closed["Identity"]);
        var everything = string.Join('\n', gateway.Logs.Records.Select(r => $"{r.Message} {string.Join(' ', r.State.Select(p => $"{p.Key}={p.Value}"))}"));
        Assert.DoesNotContain(user, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:")), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_the_header_gets_400_naming_the_header_and_event_9650()
    {
        await using var gateway = TestGateway.Start(Listener("X-User"));

        var nameless = await CurlAsync(gateway, "/");

        Assert.True(nameless.ExitCode == 0, nameless.ToString());
        var head = Head(nameless);
        Assert.Equal("HTTP/1.1 400 Bad Request", head[0]);
        Assert.Contains("Connection: close", head);
        Assert.EndsWith("Bad request: no X-User header.", nameless.Output.TrimEnd(), StringComparison.Ordinal);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("X-User", (string)rejected["Problem"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Fact]
    public async Task A_refused_HEAD_gets_429_with_Retry_After_and_no_body()
    {
        await using var gateway = TestGateway.Start(Listener("X-User"));
        var hold = Guid.NewGuid().ToString("N");
        await using var held = Curl(gateway, $"/hold/{hold}", "-H", "X-User: alice");
        await gateway.Logs.WaitForAsync(UsherEvents.SessionOpened, EndToEnd.Soon, r => (string?)r["Identity"] == "alice");

        var refused = await CurlAsync(gateway, "/", "-I", "-H", "X-User: alice");

        Assert.True(refused.ExitCode == 0, refused.ToString());
        var head = Head(refused);
        Assert.Equal("HTTP/1.1 429 Too Many Requests", head[0]);
        Assert.Contains("Retry-After: 5", head);
        Assert.DoesNotContain(HttpRefusalBody, refused.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, head[^1]);
        http.Release(hold);
        Assert.Equal(0, await held.WaitForExitAsync(EndToEnd.Soon));
    }

    [Fact]
    public async Task A_Basic_listener_answers_a_request_without_credentials_401_with_a_Basic_challenge()
    {
        await using var gateway = TestGateway.Start(Listener("Authorization"));

        var anonymous = await CurlAsync(gateway, "/");
        var bearer = await CurlAsync(gateway, "/", "-H", "Authorization: Bearer abc");

        foreach (var answer in new[] { anonymous, bearer })
        {
            Assert.True(answer.ExitCode == 0, answer.ToString());
            var head = Head(answer);
            Assert.Equal("HTTP/1.1 401 Unauthorized", head[0]);
            Assert.Contains("WWW-Authenticate: Basic realm=\"http\", charset=\"UTF-8\"", head);
        }

        Assert.Equal(0, gateway.Gateway.Ledger.Total);
    }

    [Theory]
    [InlineData("X_User: bob")]
    [InlineData("x-user: bob")]
    [InlineData("x_USER: bob")]
    public async Task A_second_header_whose_name_differs_only_by_underscore_or_case_is_refused_with_400(string second)
    {
        await using var gateway = TestGateway.Start(Listener("X-User"));

        var ambiguous = await CurlAsync(gateway, "/", "-H", "X-User: alice", "-H", second);

        Assert.True(ambiguous.ExitCode == 0, ambiguous.ToString());
        Assert.Equal("HTTP/1.1 400 Bad Request", Head(ambiguous)[0]);
        var rejected = await gateway.Logs.WaitForAsync(UsherEvents.HandshakeRejected, EndToEnd.Soon);
        Assert.Contains("X-User", (string)rejected["Problem"]!, StringComparison.Ordinal);
        Assert.Equal(0, gateway.Gateway.Ledger.Total);
        Assert.Empty(gateway.Logs.WithId(UsherEvents.SessionOpened));
    }

    private const string HttpRefusalBody = "Too many connections";

    /// <summary>The response head's lines (to the empty line that ends it, included).</summary>
    private static string[] Head(ProcessResult result)
    {
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var end = Array.IndexOf(lines, string.Empty);
        return end < 0 ? lines : lines[..(end + 1)];
    }

    private ListenerSettings Listener(string header) => new()
    {
        Name = "http",
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        BackendHost = http.EndPoint.Address.ToString(),
        BackendPort = http.EndPoint.Port,
        Identity = IdentityKind.HttpHeader,
        IdentityArgument = header,
        MaxSessionsPerIdentity = 1,
        Keepalive = EndToEnd.FastKeepalive,
        UserTimeout = EndToEnd.FastKeepalive.Budget,
    };

    /// <summary>curl through the gateway, printing the response head and body (<c>-i</c>), errors on standard error.</summary>
    private static RunningProcess Curl(TestGateway gateway, string path, params string[] options) =>
        RunningProcess.Start(Tools.Find("curl"), CurlArguments(gateway, path, options));

    private static Task<ProcessResult> CurlAsync(TestGateway gateway, string path, params string[] options) =>
        RunningProcess.RunAsync(Tools.Find("curl"), CurlArguments(gateway, path, options), TimeSpan.FromSeconds(60));

    private static string[] CurlArguments(TestGateway gateway, string path, string[] options) =>
        ["-sS", "-i", "--max-time", "30", .. options, $"http://{gateway.EndPoint}{path}"];
}
