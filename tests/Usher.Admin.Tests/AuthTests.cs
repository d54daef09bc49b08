using System.Net;
using System.Net.Http.Headers;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary>With a token configured, every endpoint but /healthz wants <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
public sealed class AuthTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/api/status" },
        { "GET", "/api/sessions" },
        { "GET", "/api/sessions/1" },
        { "DELETE", "/api/sessions/1" },
        { "DELETE", "/api/sessions?listener=test&identity=127.0.0.1" },
        { "GET", "/api/identities" },
        { "GET", "/metrics" },
        { "GET", "/no/such/endpoint" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_every_endpoint_answers_401_and_kills_nothing(string method, string path)
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        using var anonymous = new HttpClient { BaseAddress = admin.Url };

        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, admin.Sessions.Count);
        var refused = await admin.Gateway.Logs.WaitForAsync(UsherEvents.AdminUnauthorized, TimeSpan.FromSeconds(5));
        Assert.Equal("no Authorization header", refused["Why"]);
    }

    [Theory]
    [InlineData("Bearer", "test-token-0123456789abcdeX")]
    [InlineData("Bearer", "test-token")]
    [InlineData("Bearer", "test-token-0123456789abcdef-and-more")]
    [InlineData("Basic", "test-token-0123456789abcdef")]
    public async Task A_wrong_token_or_scheme_is_refused_and_logged_without_the_token(string scheme, string token)
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint));
        admin.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, token);

        using var response = await admin.Http.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var refused = await admin.Gateway.Logs.WaitForAsync(UsherEvents.AdminUnauthorized, TimeSpan.FromSeconds(5));
        Assert.Equal("/api/status", refused["Path"]);
        Assert.DoesNotContain(token, admin.Gateway.Logs.Dump(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestAdmin.Token, admin.Gateway.Logs.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_token_is_let_in_and_healthz_needs_none()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint));
        using var anonymous = new HttpClient { BaseAddress = admin.Url };
        using var lowerCase = new HttpClient { BaseAddress = admin.Url };
        lowerCase.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + TestAdmin.Token);

        using var status = await admin.Http.GetAsync("/api/status");
        using var metrics = await admin.Http.GetAsync("/metrics");
        using var schemeInLowerCase = await lowerCase.GetAsync("/api/sessions");
        using var health = await anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, schemeInLowerCase.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await health.Content.ReadAsStringAsync()).Trim());
        Assert.Empty(admin.Gateway.Logs.WithId(UsherEvents.AdminUnauthorized));
    }

    [Fact]
    public async Task Without_a_token_configured_no_header_is_needed()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));
        using var anonymous = new HttpClient { BaseAddress = admin.Url };

        using var response = await anonymous.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
