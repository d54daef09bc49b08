using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Usher.Configuration;
using Usher.Control;
using Usher.Diagnostics;
using Usher.Gateway;
using Usher.Ledger;

namespace Usher.Admin.Tests.Control;

/// <summary>The seam between the admin endpoint and the gateway: Usher.Admin knows the gateway only as
/// <see cref="IGatewayControl"/> (in Usher.Core), and nothing outside the gateway can reach a live session or give
/// back its slot.</summary>
public sealed class ControlSeamTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public void The_admin_assembly_references_Core_and_not_the_gateway()
    {
        var references = typeof(AdminServer).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Usher.Core", references);
        Assert.DoesNotContain("Usher.Gateway", references);
        Assert.DoesNotContain(typeof(UsherGateway).Assembly.GetName().Name, references);
    }

    [Fact]
    public void No_session_registry_or_lease_release_is_public_outside_the_gateway()
    {
        var exported = typeof(UsherGateway).Assembly.GetExportedTypes();

        Assert.DoesNotContain(exported, t => typeof(Lease).IsAssignableFrom(t));
        Assert.DoesNotContain(exported, t => t.Name is "ProxySession" or "IGatewaySession" or "SessionRegistry" or "TlsSession");
        Assert.Null(typeof(Lease).GetMethod("Release", BindingFlags.Public | BindingFlags.Instance));
        Assert.DoesNotContain(typeof(UsherGateway).GetProperties(), p => p.Name == "Registry" && p.GetMethod!.IsPublic);
        Assert.DoesNotContain(typeof(UsherGateway).GetMethods(), m => m.Name == "Kill" && m.IsPublic);
    }

    [Fact]
    public async Task The_admin_endpoint_shows_and_kills_through_any_gateway_control()
    {
        using var control = new FakeControl();
        await using var server = await StartAsync(control);
        control.Refuse();
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = Soon };

        var status = await http.GetFromJsonAsync<JsonElement>("/api/status");
        Assert.Equal("9.9.9-fake", status.GetProperty("version").GetString());
        Assert.Equal(1, status.GetProperty("sessions").GetInt32());
        Assert.Equal(100, status.GetProperty("ledger").GetProperty("capacity").GetInt32());
        var listener = Assert.Single(status.GetProperty("listeners").EnumerateArray());
        Assert.Equal("127.0.0.1:6432", listener.GetProperty("listen").GetString());
        Assert.Equal(3, listener.GetProperty("maxSessionsPerIdentity").GetInt32());
        Assert.Equal(1, listener.GetProperty("refused").GetInt64());
        Assert.True(control.AdminDescriptors > 0, "an admin connection takes a descriptor from the gateway's budget");

        var session = Assert.Single((await http.GetFromJsonAsync<JsonElement>("/api/sessions?listener=pg")).EnumerateArray());
        Assert.Equal(FakeControl.SessionId, session.GetProperty("id").GetInt64());
        Assert.Equal("alice", session.GetProperty("identity").GetProperty("value").GetString());
        Assert.Equal("PostgresUser", session.GetProperty("identity").GetProperty("kind").GetString());
        Assert.Equal("probing", session.GetProperty("state").GetString());
        Assert.Equal(10.0, session.GetProperty("idleSeconds").GetDouble());
        Assert.Equal("Established", session.GetProperty("tcp").GetProperty("client").GetProperty("state").GetString());

        var one = await http.GetFromJsonAsync<JsonElement>($"/api/sessions/{FakeControl.SessionId}");
        Assert.Equal(22, one.GetProperty("bytesFromBackend").GetInt64());
        Assert.Equal([FakeControl.SessionId], control.Inspected);

        var identity = Assert.Single((await http.GetFromJsonAsync<JsonElement>("/api/identities")).EnumerateArray());
        Assert.Equal(3, identity.GetProperty("limit").GetInt32());

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("usher_sessions_refused_total{listener=\"pg\",limit=\"identity\"} 1", metrics, StringComparison.Ordinal);

        using var unknown = await http.GetAsync("/api/sessions?listener=mqtt");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("the listeners are \\\"pg\\\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var killed = await http.DeleteAsync($"/api/sessions/{FakeControl.SessionId}");
        var kill = await killed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, killed.StatusCode);
        Assert.Equal(1, kill.GetProperty("killed").GetInt32());
        Assert.True(kill.GetProperty("closed").GetBoolean());
        var (id, by) = Assert.Single(control.Kills);
        Assert.Equal(FakeControl.SessionId, id);
        Assert.StartsWith("the admin API (127.0.0.1:", by, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_event_stream_carries_the_controls_snapshot_and_its_events()
    {
        using var control = new FakeControl();
        await using var server = await StartAsync(control);
        await using var stream = await SseClient.OpenAsync(server.Url!);

        var snapshot = await stream.NextAsync(Soon, m => m.Event == "snapshot");
        Assert.Equal(FakeControl.SessionId, Assert.Single(snapshot.Data.GetProperty("sessions").EnumerateArray()).GetProperty("id").GetInt64());
        control.Hub.Publish(new GatewayEvent(GatewayEventKind.Killed, UsherEvents.SessionKilled, DateTimeOffset.UtcNow, "pg", "alice",
            FakeControl.SessionId, "10.0.0.7:40112", "an operator"));

        var killed = await stream.NextAsync(Soon, m => m.Event == "event");
        Assert.Equal("killed", killed.Data.GetProperty("kind").GetString());
        Assert.Equal(FakeControl.SessionId, killed.Data.GetProperty("sessionId").GetInt64());
    }

    /// <summary>An admin endpoint on loopback (port 0, no token) over <paramref name="control"/>, started.</summary>
    private static async Task<AdminServer> StartAsync(IGatewayControl control)
    {
        var server = new AdminServer(new AdminSettings { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, control, NullLoggerFactory.Instance);
        await server.StartAsync();
        return server;
    }
}
