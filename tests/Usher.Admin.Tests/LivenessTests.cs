using System.Net;
using System.Text.Json;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary>Liveness in <c>GET /api/sessions</c> (<c>fresh</c>, <c>suspect</c>, <c>limit</c>) and the operator's
/// probe, <c>POST /api/sessions/{id}/probe</c>, against real sessions on loopback.</summary>
public sealed class LivenessTests
{
    [Fact]
    public async Task A_fresh_listing_reads_each_listed_client_and_judges_a_live_one_not_suspect()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        // One after the other: two event loops may accept two connections in either order, and ids follow accepts.
        using var first = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await first.IsAdmittedAsync());
        using var second = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.3");
        Assert.True(await second.IsAdmittedAsync());

        // Not read yet: the plain listing costs no syscall and shows no liveness.
        var plain = await admin.GetJsonAsync("/api/sessions");
        Assert.All(plain.EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("liveness").ValueKind));

        var before = DateTimeOffset.UtcNow;
        var fresh = (await admin.GetJsonAsync("/api/sessions?fresh=true&limit=1")).EnumerateArray().ToList();

        var session = Assert.Single(fresh);
        Assert.Equal("127.0.0.2", session.GetProperty("identity").GetProperty("value").GetString());
        var liveness = session.GetProperty("liveness");
        Assert.InRange(liveness.GetProperty("readAt").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.False(liveness.GetProperty("suspect").GetBoolean());
        Assert.Equal(JsonValueKind.Null, liveness.GetProperty("reason").ValueKind);
        Assert.Equal(0, liveness.GetProperty("unackedBytes").GetInt64());
        Assert.Equal(0, liveness.GetProperty("probes").GetInt32());
        Assert.Equal(0, liveness.GetProperty("retransmits").GetInt32());
        Assert.True(liveness.GetProperty("lastDataReceivedSeconds").GetDouble() >= 0);

        // Only the listed session was read; the plain listing now shows that reading, and no other.
        var after = (await admin.GetJsonAsync("/api/sessions")).EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Object, after[0].GetProperty("liveness").ValueKind);
        Assert.Equal(JsonValueKind.Null, after[1].GetProperty("liveness").ValueKind);
        Assert.Empty((await admin.GetJsonAsync("/api/sessions?suspect=true")).EnumerateArray());
    }

    [Theory]
    [InlineData("/api/sessions?fresh=yes")]
    [InlineData("/api/sessions?suspect=1")]
    [InlineData("/api/sessions?limit=0")]
    [InlineData("/api/sessions?limit=many")]
    public async Task A_bad_liveness_parameter_gets_400_that_says_what_the_listing_takes(string path)
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));

        var detail = await admin.ProblemAsync(HttpMethod.Get, path, HttpStatusCode.BadRequest);

        Assert.Contains("fresh=true|false, suspect=true|false and limit=N", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_of_a_live_client_is_accepted_logged_once_and_leaves_the_session_open()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;

        using var first = await admin.Http.PostAsync($"/api/sessions/{id}/probe", null);
        using var second = await admin.Http.PostAsync($"/api/sessions/{id}/probe", null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using (var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            Assert.Equal(id, json.RootElement.GetProperty("id").GetInt64());
            Assert.Equal(2.0, json.RootElement.GetProperty("budgetSeconds").GetDouble());
            Assert.True(json.RootElement.GetProperty("started").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var probed = await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionProbed, TimeSpan.FromSeconds(15));
        Assert.Equal(id, probed["SessionId"]);
        Assert.StartsWith("the admin API (127.0.0.1:", (string)probed["By"]!, StringComparison.Ordinal);
        await client.SendAsync("still here\n");
        Assert.Equal("still here\n", await client.ReadAsync());
        Assert.Equal(1, admin.Sessions.Count);
    }

    [Fact]
    public async Task A_probe_of_no_session_gets_404_and_of_a_bad_id_400()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));

        var missing = await admin.ProblemAsync(HttpMethod.Post, "/api/sessions/424242/probe", HttpStatusCode.NotFound);
        var bad = await admin.ProblemAsync(HttpMethod.Post, "/api/sessions/abc/probe", HttpStatusCode.BadRequest);

        Assert.Contains("no open session has id 424242", missing, StringComparison.Ordinal);
        Assert.Contains("\"abc\" is not a session id", bad, StringComparison.Ordinal);
        Assert.Empty(admin.Gateway.Logs.WithId(UsherEvents.SessionProbed));
    }
}
