using System.Net;
using System.Text.Json;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>GET /api/sessions</c> (with its filters) and <c>GET /api/sessions/{id}</c> against real sessions.</summary>
public sealed class SessionsTests
{
    [Fact]
    public async Task The_listing_shows_each_open_session_with_its_endpoints_identity_bytes_and_state()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.3");
        Assert.Equal("hello 1\n", await client.ReadAsync());
        await client.SendAsync("ping\n");
        Assert.Equal("ping\n", await client.ReadAsync());
        var before = DateTimeOffset.UtcNow;

        var session = Assert.Single((await admin.GetJsonAsync("/api/sessions")).EnumerateArray());

        var record = Assert.Single(admin.Sessions.List());
        Assert.Equal(record.Id, session.GetProperty("id").GetInt64());
        Assert.Equal("pg", session.GetProperty("listener").GetString());
        Assert.Equal("SourceIp", session.GetProperty("identity").GetProperty("kind").GetString());
        Assert.Equal("127.0.0.3", session.GetProperty("identity").GetProperty("value").GetString());
        Assert.Equal(client.Socket.LocalEndPoint!.ToString(), session.GetProperty("client").GetString());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("proxy").ValueKind);
        Assert.Equal(backend.EndPoint.ToString(), session.GetProperty("backend").GetString());
        Assert.Equal(backend.Connections[1].RemoteEndPoint!.ToString(), session.GetProperty("backendLocal").GetString());
        Assert.InRange(session.GetProperty("startedAt").GetDateTimeOffset(), before.AddMinutes(-1), before);
        Assert.InRange(session.GetProperty("lastActivity").GetDateTimeOffset(), session.GetProperty("startedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow);
        Assert.True(session.GetProperty("idleSeconds").GetDouble() >= 0);
        Assert.Equal(5, session.GetProperty("bytesFromClient").GetInt64());
        Assert.Equal("hello 1\n".Length + 5, session.GetProperty("bytesFromBackend").GetInt64());
        Assert.Equal("relaying", session.GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_listing_filters_by_listener_by_identity_and_by_both()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners:
            [TestGateway.Listener(backend.EndPoint, "a"), TestGateway.Listener(backend.EndPoint, "b")]);
        var a = admin.Gateway.Gateway.Listener("a").LocalEndPoint;
        var b = admin.Gateway.Gateway.Listener("b").LocalEndPoint;
        using var a1 = await TestClient.ConnectAsync(a, "127.0.0.1");
        using var a2 = await TestClient.ConnectAsync(a, "127.0.0.2");
        using var b1 = await TestClient.ConnectAsync(b, "127.0.0.1");
        using var b2 = await TestClient.ConnectAsync(b, "127.0.0.2");
        using var b3 = await TestClient.ConnectAsync(b, "127.0.0.2");
        foreach (var c in new[] { a1, a2, b1, b2, b3 })
        {
            Assert.True(await c.IsAdmittedAsync());
        }

        async Task<string[]> Listed(string query) => (await admin.GetJsonAsync("/api/sessions" + query)).EnumerateArray()
            .Select(s => $"{s.GetProperty("listener").GetString()}/{s.GetProperty("identity").GetProperty("value").GetString()}")
            .Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["a/127.0.0.1", "a/127.0.0.2", "b/127.0.0.1", "b/127.0.0.2", "b/127.0.0.2"], await Listed(""));
        Assert.Equal(["b/127.0.0.1", "b/127.0.0.2", "b/127.0.0.2"], await Listed("?listener=b"));
        Assert.Equal(["a/127.0.0.2", "b/127.0.0.2", "b/127.0.0.2"], await Listed("?identity=127.0.0.2"));
        Assert.Equal(["b/127.0.0.2", "b/127.0.0.2"], await Listed("?listener=b&identity=127.0.0.2"));
        Assert.Empty(await Listed("?identity=127.0.0.9"));
    }

    [Fact]
    public async Task An_unknown_listener_or_parameter_is_a_bad_request_that_names_what_there_is()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));

        var listener = await admin.ProblemAsync(HttpMethod.Get, "/api/sessions?listener=pq", HttpStatusCode.BadRequest);
        var parameter = await admin.ProblemAsync(HttpMethod.Get, "/api/sessions?identiy=alice", HttpStatusCode.BadRequest);

        Assert.Equal("no listener is named \"pq\"; the listeners are \"pg\"", listener);
        Assert.Contains("unknown query parameter \"identiy\"", parameter, StringComparison.Ordinal);
        Assert.Contains("takes listener, identity", parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_session_comes_with_a_fresh_TCP_INFO_of_both_connections()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;
        Assert.Null(Assert.Single(admin.Sessions.List()).Tcp);

        var session = await admin.GetJsonAsync($"/api/sessions/{id}");

        Assert.Equal(id, session.GetProperty("id").GetInt64());
        var tcp = session.GetProperty("tcp");
        Assert.InRange(tcp.GetProperty("readAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.Equal("Established", tcp.GetProperty("client").GetProperty("state").GetString());
        Assert.Equal("Established", tcp.GetProperty("backend").GetProperty("state").GetString());
        Assert.True(tcp.GetProperty("backend").GetProperty("rttMicroseconds").GetUInt32() > 0);
        Assert.Equal(0, tcp.GetProperty("client").GetProperty("probes").GetInt32());
    }

    [Fact]
    public async Task An_unknown_session_is_404_and_an_id_that_is_not_a_number_is_400()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));

        var unknown = await admin.ProblemAsync(HttpMethod.Get, "/api/sessions/424242", HttpStatusCode.NotFound);
        var notANumber = await admin.ProblemAsync(HttpMethod.Get, "/api/sessions/abc", HttpStatusCode.BadRequest);

        Assert.Contains("no open session has id 424242", unknown, StringComparison.Ordinal);
        Assert.Contains("\"abc\" is not a session id", notANumber, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_where_the_ledger_is_in_memory_is_400_and_no_answer_carries_a_node()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());

        var listing = await admin.ProblemAsync(HttpMethod.Get, "/api/sessions?node=gw-b", HttpStatusCode.BadRequest);
        var kill = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions/gw-b:1", HttpStatusCode.BadRequest);
        var nodes = await admin.ProblemAsync(HttpMethod.Get, "/api/nodes", HttpStatusCode.NotFound);
        var sessions = await admin.GetJsonAsync("/api/sessions");

        Assert.Contains("this gateway is no node of a cluster (its ledger is in memory): drop node=gw-b", listing, StringComparison.Ordinal);
        Assert.Contains("there is no node \"gw-b\"", kill, StringComparison.Ordinal);
        Assert.Contains("its ledger is in memory", nodes, StringComparison.Ordinal);
        Assert.False(Assert.Single(sessions.EnumerateArray()).TryGetProperty("node", out _));
    }
}
