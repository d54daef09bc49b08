using System.Net;
using Usher.Admin.Dashboard;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>GET /api/events</c>: a snapshot on connect, a status about every second, and the gateway's events as
/// they happen, against a real gateway and real TCP clients.</summary>
public sealed class EventStreamTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_stream_sends_a_snapshot_then_a_refusal_within_a_second_of_a_client_refused_at_the_limit()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg").With(maxSessionsPerIdentity: 1, closingWait: TimeSpan.Zero));
        using var first = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await first.IsAdmittedAsync());
        await using var stream = await SseClient.OpenAsync(admin.Url);

        var snapshot = await stream.NextAsync(Soon);

        Assert.Equal("snapshot", snapshot.Event);
        var status = snapshot.Data.GetProperty("status");
        Assert.Equal(1, status.GetProperty("sessions").GetInt32());
        var listener = Assert.Single(status.GetProperty("listeners").EnumerateArray());
        Assert.Equal("pg", listener.GetProperty("name").GetString());
        Assert.Equal(1, listener.GetProperty("maxSessionsPerIdentity").GetInt32());
        var session = Assert.Single(snapshot.Data.GetProperty("sessions").EnumerateArray());
        Assert.Equal("127.0.0.2", session.GetProperty("identity").GetProperty("value").GetString());
        var identity = Assert.Single(snapshot.Data.GetProperty("identities").EnumerateArray());
        Assert.Equal((1, 1), (identity.GetProperty("open").GetInt32(), identity.GetProperty("limit").GetInt32()));

        var refusedAt = Environment.TickCount64;
        using var second = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        var refusal = await stream.NextAsync(Soon, m => m.Event == "event");

        Assert.True(refusal.ReceivedAt - refusedAt < 3000, $"the refusal came after {refusal.ReceivedAt - refusedAt} ms");
        Assert.Equal("refused", refusal.Data.GetProperty("kind").GetString());
        Assert.Equal(UsherEvents.SessionLimitExceeded, refusal.Data.GetProperty("eventId").GetInt32());
        Assert.Equal("pg", refusal.Data.GetProperty("listener").GetString());
        Assert.Equal("127.0.0.2", refusal.Data.GetProperty("identity").GetString());
        Assert.Equal(second.Socket.LocalEndPoint!.ToString(), refusal.Data.GetProperty("client").GetString());
        Assert.Equal((1, 1, 1), (refusal.Data.GetProperty("count").GetInt32(), refusal.Data.GetProperty("limit").GetInt32(),
            refusal.Data.GetProperty("repeated").GetInt32()));
        Assert.Null(await second.ReadAsync());

        // The next status counts it.
        var next = await stream.NextAsync(Soon, m => m.Event == "status"
            && m.Data.GetProperty("status").GetProperty("refused").GetInt64() == 1);
        Assert.Equal(1, next.Data.GetProperty("status").GetProperty("listeners")[0].GetProperty("refused").GetInt64());
    }

    [Fact]
    public async Task Status_comes_about_every_second_and_kills_and_closes_come_as_they_happen()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        await using var stream = await SseClient.OpenAsync(admin.Url);
        var snapshot = await stream.NextAsync(Soon, m => m.Event == "snapshot");
        var statuses = new List<SseMessage>();
        while (statuses.Count < 3)
        {
            statuses.Add(await stream.NextAsync(Soon, m => m.Event == "status"));
        }

        // The server's own clock in each frame: a periodic timer started after the snapshot cannot tick a third
        // time before three intervals have passed, however late a busy machine delivers the frames.
        var at = statuses.Select(s => s.Data.GetProperty("at").GetDateTimeOffset()).ToList();
        var since = at[2] - snapshot.Data.GetProperty("at").GetDateTimeOffset();
        Assert.True(since >= 3 * EventStream.StatusInterval - TimeSpan.FromMilliseconds(50), $"three statuses within {since}");
        Assert.True(at[0] < at[1] && at[1] < at[2], "each status is newer than the one before");

        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.3");
        Assert.True(await client.IsAdmittedAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;
        using var kill = await admin.Http.DeleteAsync($"/api/sessions/{id}");
        Assert.Equal(HttpStatusCode.OK, kill.StatusCode);

        var killed = await stream.NextAsync(Soon, m => m.Event == "event" && m.Data.GetProperty("kind").GetString() == "killed");
        var closed = await stream.NextAsync(Soon, m => m.Event == "event" && m.Data.GetProperty("kind").GetString() == "closed");
        Assert.Equal(UsherEvents.SessionKilled, killed.Data.GetProperty("eventId").GetInt32());
        Assert.Equal(id, killed.Data.GetProperty("sessionId").GetInt64());
        Assert.StartsWith("the admin API (127.0.0.1:", killed.Data.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(UsherEvents.SessionClosed, closed.Data.GetProperty("eventId").GetInt32());
        Assert.Equal(id, closed.Data.GetProperty("sessionId").GetInt64());
        Assert.Equal("Killed", closed.Data.GetProperty("detail").GetString());
        Assert.Null(await client.ReadAsync());
    }

    [Fact]
    public async Task A_client_that_disconnects_frees_its_subscription_and_nobody_listening_costs_no_event()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        var events = admin.Gateway.Gateway.Events;
        Assert.False(events.Observed);

        var first = await SseClient.OpenAsync(admin.Url);
        await using var second = await SseClient.OpenAsync(admin.Url);
        await first.NextAsync(Soon, m => m.Event == "snapshot");
        await second.NextAsync(Soon, m => m.Event == "snapshot");
        Assert.Equal(2, events.Subscribers);

        await first.DisposeAsync();

        await Eventually.HoldsAsync(() => events.Subscribers == 1, Soon, "the closed stream's subscription is removed");
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        var closed = await second.NextAsync(Soon, m => m.Event == "event" && m.Data.GetProperty("kind").GetString() == "closed");
        Assert.Equal("ClientClosed", closed.Data.GetProperty("detail").GetString());

        await second.DisposeAsync();
        await Eventually.HoldsAsync(() => !events.Observed, Soon, "no subscription is left");
    }

    [Fact]
    public async Task Stopping_the_endpoint_ends_open_streams_at_once()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        await using var stream = await SseClient.OpenAsync(admin.Url);
        await stream.NextAsync(Soon, m => m.Event == "snapshot");

        var stopping = Environment.TickCount64;
        await admin.Server.StopAsync().WaitAsync(Soon);

        Assert.True(Environment.TickCount64 - stopping < 3000, $"stopping took {Environment.TickCount64 - stopping} ms");
        await Eventually.HoldsAsync(() => !admin.Gateway.Gateway.Events.Observed, Soon, "the stream's subscription is removed");
    }

    [Fact]
    public async Task With_a_token_the_stream_wants_the_bearer_header_or_the_cookie_of_a_login_that_showed_it()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(token: TestAdmin.Token, listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var anonymous = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = admin.Url };

        using var noToken = await anonymous.GetAsync("/api/events");
        using var loginWithoutToken = await anonymous.PostAsync("/api/login", null);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        forged.Headers.Add("Cookie", "usher-events=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using var forgedCookie = await anonymous.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, loginWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedCookie.StatusCode);
        Assert.False(loginWithoutToken.Headers.Contains("Set-Cookie"));

        // The bearer header opens it, as every endpoint.
        await using (var withToken = await SseClient.OpenAsync(admin.Url, token: TestAdmin.Token))
        {
            Assert.Equal("snapshot", (await withToken.NextAsync(Soon)).Event);
        }

        // A login with the token sets an HttpOnly, SameSite=Strict cookie for the stream's path alone...
        using var login = await admin.Http.PostAsync("/api/login", null);
        Assert.Equal(HttpStatusCode.NoContent, login.StatusCode);
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("usher-events=", setCookie, StringComparison.Ordinal);
        Assert.Contains("path=/api/events", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestAdmin.Token, setCookie, StringComparison.Ordinal);
        var cookie = setCookie.Split(';')[0];

        // ...which opens the stream, and nothing else.
        await using (var withCookie = await SseClient.OpenAsync(admin.Url, cookie: cookie))
        {
            Assert.Equal("snapshot", (await withCookie.NextAsync(Soon)).Event);
        }

        using var status = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        status.Headers.Add("Cookie", cookie);
        using var statusWithCookie = await anonymous.SendAsync(status);
        Assert.Equal(HttpStatusCode.Unauthorized, statusWithCookie.StatusCode);

        // The page itself needs no token and holds none.
        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain(TestAdmin.Token, html, StringComparison.Ordinal);
        Assert.DoesNotContain(admin.Gateway.Logs.Records, r => r.Message.Contains(TestAdmin.Token, StringComparison.Ordinal)
            || r.Message.Contains(cookie["usher-events=".Length..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_assembly_with_a_strict_content_policy()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));

        foreach (var (path, type) in new[] { ("/", "text/html"), ("/dashboard", "text/html"), ("/dashboard.css", "text/css"), ("/dashboard.js", "text/javascript") })
        {
            using var response = await admin.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, path);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var html = await admin.Http.GetStringAsync("/");
        Assert.Contains("<script src=\"/dashboard.js\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }
}
