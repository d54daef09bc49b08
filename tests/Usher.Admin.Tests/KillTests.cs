using System.Net;
using System.Text.Json;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>DELETE /api/sessions/{id}</c> and <c>DELETE /api/sessions?listener=&amp;identity=</c>: both sides are
/// closed (the backend reads an orderly end of stream), the close reason is Killed, 9653 names the caller, and the
/// ledger counts the sessions out once.</summary>
public sealed class KillTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Killing_a_session_closes_the_client_and_the_backend_with_reason_Killed_and_frees_its_slot()
    {
        await using var backend = new EofBackend();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        var gateway = admin.Gateway.Gateway;
        using var keep = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.1");
        Assert.Equal("hello 1\n", await keep.ReadAsync());
        using var victim = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.Equal("hello 2\n", await victim.ReadAsync());
        var id = admin.Sessions.List().Single(s => s.Identity == "127.0.0.2").Id;
        Assert.Equal(2, gateway.Ledger.Total);

        using var response = await admin.Http.DeleteAsync($"/api/sessions/{id}");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using (var json = JsonDocument.Parse(body))
        {
            Assert.Equal(1, json.RootElement.GetProperty("killed").GetInt32());
            Assert.Equal([id], json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()));
            Assert.True(json.RootElement.GetProperty("closed").GetBoolean());
        }

        // Answered once closed: the slot is already released, once (the other session still counts).
        Assert.Equal(1, gateway.Ledger.Total);
        Assert.Equal(1, admin.Sessions.Count);
        Assert.Equal("eof", await backend.EndOf(2).WaitAsync(Soon));
        Assert.Null(await victim.ReadAsync(Soon));
        var killed = await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionKilled, Soon);
        Assert.Equal(id, killed["SessionId"]);
        Assert.Equal("127.0.0.2", killed["Identity"]);
        Assert.Equal("pg", killed["Listener"]);
        Assert.StartsWith("the admin API (127.0.0.1:", (string)killed["By"]!, StringComparison.Ordinal);
        var closed = await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Soon, r => Equals(r["SessionId"], id));
        Assert.Equal("Killed", closed["CloseReason"]!.ToString());
        Assert.Single(admin.Gateway.Logs.WithId(UsherEvents.SessionKilled));

        // The other session is untouched.
        await keep.SendAsync("still here\n");
        Assert.Equal("still here\n", await keep.ReadAsync());
        Assert.False(backend.EndOf(1).IsCompleted);

        // It is gone: a second kill finds nothing, and the ledger stays where it is.
        var again = await admin.ProblemAsync(HttpMethod.Delete, $"/api/sessions/{id}", HttpStatusCode.NotFound);
        Assert.Contains($"no open session has id {id}", again, StringComparison.Ordinal);
        Assert.Equal(1, gateway.Ledger.Total);
    }

    [Fact]
    public async Task Killing_an_identity_closes_all_its_sessions_on_that_listener_and_no_other()
    {
        await using var backend = new EofBackend();
        await using var admin = await TestAdmin.StartAsync(listeners:
            [TestGateway.Listener(backend.EndPoint, "a"), TestGateway.Listener(backend.EndPoint, "b")]);
        var gateway = admin.Gateway.Gateway;
        var a = gateway.Listener("a").LocalEndPoint;
        var b = gateway.Listener("b").LocalEndPoint;
        var alice = new List<TestClient>();
        for (var i = 0; i < 3; i++)
        {
            alice.Add(await TestClient.ConnectAsync(a, "127.0.0.2"));
        }

        using var bob = await TestClient.ConnectAsync(a, "127.0.0.1");
        using var aliceOnB = await TestClient.ConnectAsync(b, "127.0.0.2");
        try
        {
            foreach (var c in alice.Append(bob).Append(aliceOnB))
            {
                Assert.True(await c.IsAdmittedAsync());
            }

            var aliceIds = admin.Sessions.List().Where(s => s.Listener == "a" && s.Identity == "127.0.0.2")
                .Select(s => s.Id).Order().ToArray();
            Assert.Equal(5, gateway.Ledger.Total);

            using var response = await admin.Http.DeleteAsync("/api/sessions?listener=a&identity=127.0.0.2");

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal(3, json.RootElement.GetProperty("killed").GetInt32());
            Assert.Equal(aliceIds, json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).Order());
            Assert.Equal(2, gateway.Ledger.Total);
            foreach (var c in alice)
            {
                Assert.Null(await c.ReadAsync(Soon));
            }

            Assert.Equal(3, admin.Gateway.Logs.WithId(UsherEvents.SessionKilled).Count);
            Assert.Equal(["127.0.0.1", "127.0.0.2"], admin.Sessions.List().Select(s => $"{s.Identity}").Order(StringComparer.Ordinal));
            Assert.Single(admin.Sessions.List(), s => s.Listener == "b");
        }
        finally
        {
            alice.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Killing_by_identity_wants_both_listener_and_identity_and_a_listener_that_exists()
    {
        await using var backend = new EofBackend();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());

        var noIdentity = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions?listener=pg", HttpStatusCode.BadRequest);
        var noListener = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions?identity=127.0.0.2", HttpStatusCode.BadRequest);
        var nothing = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions", HttpStatusCode.BadRequest);
        var typo = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions?listener=pg&identiy=127.0.0.2", HttpStatusCode.BadRequest);
        var unknown = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions?listener=pq&identity=127.0.0.2", HttpStatusCode.BadRequest);

        Assert.All([noIdentity, noListener, nothing], d => Assert.Contains("takes both listener and identity", d, StringComparison.Ordinal));
        Assert.Contains("unknown query parameter \"identiy\"", typo, StringComparison.Ordinal);
        Assert.Contains("no listener is named \"pq\"", unknown, StringComparison.Ordinal);
        Assert.Equal(1, admin.Gateway.Gateway.Ledger.Total);
        Assert.Empty(admin.Gateway.Logs.WithId(UsherEvents.SessionKilled));
    }

    [Fact]
    public async Task Killing_an_identity_with_no_session_kills_nothing()
    {
        await using var backend = new EofBackend();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));
        using var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint, "127.0.0.2");
        Assert.True(await client.IsAdmittedAsync());

        using var response = await admin.Http.DeleteAsync("/api/sessions?listener=pg&identity=127.0.0.9");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("killed").GetInt32());
        Assert.Equal(1, admin.Gateway.Gateway.Ledger.Total);
    }
}
