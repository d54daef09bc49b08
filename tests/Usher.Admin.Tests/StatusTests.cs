using System.Net;
using Usher.Configuration;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>GET /api/status</c> and <c>GET /healthz</c> against a gateway with real sessions.</summary>
public sealed class StatusTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Status_counts_the_sessions_really_open_in_the_registry_the_ledger_and_the_listener()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(maxSessions: 1000, listeners:
            new ListenerSettings
            {
                Name = "pg",
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                BackendHost = backend.EndPoint.Address.ToString(),
                BackendPort = backend.EndPoint.Port,
                MaxSessionsPerIdentity = 7,
                OnLimit = OnLimitPolicy.EvictOldestIdle,
            });
        var listen = admin.Gateway.EndPoint;
        using var a = await TestClient.ConnectAsync(listen, "127.0.0.1");
        using var b = await TestClient.ConnectAsync(listen, "127.0.0.1");
        using var c = await TestClient.ConnectAsync(listen, "127.0.0.2");
        Assert.True(await a.IsAdmittedAsync() && await b.IsAdmittedAsync() && await c.IsAdmittedAsync());

        var status = await admin.GetJsonAsync("/api/status");

        Assert.Equal(["version", "startedAt", "uptimeSeconds", "sessions", "ledger", "listeners", "refused"],
            status.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(status.GetProperty("version").GetString()));
        var startedAt = status.GetProperty("startedAt").GetDateTimeOffset();
        Assert.InRange(startedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
        Assert.True(status.GetProperty("uptimeSeconds").GetInt64() >= 0);
        Assert.Equal(3, status.GetProperty("sessions").GetInt32());
        Assert.Equal(3, status.GetProperty("ledger").GetProperty("total").GetInt32());
        Assert.Equal(1000, status.GetProperty("ledger").GetProperty("capacity").GetInt32());
        var pg = Assert.Single(status.GetProperty("listeners").EnumerateArray());
        Assert.Equal(["name", "listen", "backend", "open", "maxSessionsPerIdentity", "onLimit", "refused", "identityDisplay"], pg.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Clear", pg.GetProperty("identityDisplay").GetString());
        Assert.Equal("pg", pg.GetProperty("name").GetString());
        Assert.Equal(listen.ToString(), pg.GetProperty("listen").GetString());
        Assert.Equal(backend.EndPoint.ToString(), pg.GetProperty("backend").GetString());
        Assert.Equal(3, pg.GetProperty("open").GetInt32());
        Assert.Equal(7, pg.GetProperty("maxSessionsPerIdentity").GetInt32());
        Assert.Equal("EvictOldestIdle", pg.GetProperty("onLimit").GetString());
        Assert.Equal(0, pg.GetProperty("refused").GetInt64());
        Assert.Equal(0, status.GetProperty("refused").GetInt64());

        c.Dispose();
        await Eventually.HoldsAsync(() => admin.Sessions.Count == 2, Soon, "the third session closed");
        var after = await admin.GetJsonAsync("/api/status");
        Assert.Equal(2, after.GetProperty("sessions").GetInt32());
        Assert.Equal(2, after.GetProperty("ledger").GetProperty("total").GetInt32());
        Assert.Equal(2, after.GetProperty("listeners")[0].GetProperty("open").GetInt32());
    }

    [Fact]
    public async Task Status_lists_every_listener_with_its_own_count()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners:
            [TestGateway.Listener(backend.EndPoint, "a"), TestGateway.Listener(backend.EndPoint, "b")]);
        using var client = await TestClient.ConnectAsync(admin.Gateway.Gateway.Listener("b").LocalEndPoint);
        Assert.True(await client.IsAdmittedAsync());

        var listeners = (await admin.GetJsonAsync("/api/status")).GetProperty("listeners").EnumerateArray()
            .ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("open").GetInt32());

        Assert.Equal(new Dictionary<string, int> { ["a"] = 0, ["b"] = 1 }, listeners);
    }

    [Fact]
    public async Task The_version_is_written_as_built_with_a_plus_left_readable()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));

        var body = await admin.Http.GetStringAsync("/api/status");

        Assert.Contains($"\"version\": \"{admin.Gateway.Gateway.Control.Version}\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_answers_ok_in_plain_text_to_GET_and_HEAD()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));

        using var response = await admin.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", (await response.Content.ReadAsStringAsync()).Trim());
        using var head = await admin.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task An_unknown_path_and_an_unknown_query_parameter_get_a_JSON_problem()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));

        var notFound = await admin.ProblemAsync(HttpMethod.Get, "/api/sesions", HttpStatusCode.NotFound);
        var badParameter = await admin.ProblemAsync(HttpMethod.Get, "/api/status?verbose=1", HttpStatusCode.BadRequest);

        Assert.Contains("GET /api/sessions", notFound, StringComparison.Ordinal);
        Assert.Contains("unknown query parameter \"verbose\"", badParameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_endpoint_on_a_taken_address_fails_to_start_naming_the_address()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));
        var taken = new IPEndPoint(IPAddress.Loopback, admin.Url.Port);
        await using var second = new AdminServer(new AdminSettings { Listen = taken }, admin.Gateway.Gateway.Control,
            admin.Gateway.Logs.CreateFactory());

        var e = await Assert.ThrowsAsync<AdminListenException>(() => second.StartAsync());

        Assert.Contains($"cannot listen on {taken}", e.Message, StringComparison.Ordinal);
        Assert.Contains("in use", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_start_is_logged_as_9658_with_the_real_port()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));

        var started = await admin.Gateway.Logs.WaitForAsync(Usher.Diagnostics.UsherEvents.AdminStarted, Soon);

        Assert.Equal($"http://127.0.0.1:{admin.Url.Port}", started["Url"]);
        Assert.NotEqual(0, admin.Url.Port);
    }
}
