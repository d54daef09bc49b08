using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Usher.Configuration;
using Usher.Diagnostics;
using Usher.Identity;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary>A listener that hides its identities (<c>IdentityDisplay</c> Hash or Prefix): the admin API and the event
/// stream show the hidden form, kills and filters take it, and a prefix two keys share kills nothing.</summary>
public sealed class HiddenIdentitiesTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_API_the_event_stream_and_the_log_show_an_API_key_only_as_its_hash()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: Api(backend.EndPoint));
        await using var stream = await SseClient.OpenAsync(admin.Url);
        var key = NewKey("sk_live_");
        var hash = new IdentityMask(IdentityDisplay.Hash, IdentityMask.ProcessKey).Show(key);
        using var first = await SendKeyAsync(admin, key);
        Assert.True(await first.IsAdmittedAsync());

        using var second = await SendKeyAsync(admin, key);
        Assert.StartsWith("HTTP/1.1 429", await second.ReadAsync(Soon), StringComparison.Ordinal);
        var refusal = await stream.NextAsync(Soon, m => m.Event == "event" && m.Data.GetProperty("kind").GetString() == "refused");
        Assert.Equal(hash, refusal.Data.GetProperty("identity").GetString());

        var sessions = await admin.GetJsonAsync("/api/sessions");
        var identities = await admin.GetJsonAsync("/api/identities");
        var status = await admin.GetJsonAsync("/api/status");
        var filtered = await admin.GetJsonAsync($"/api/sessions?identity={Uri.EscapeDataString(hash)}");
        var byKey = await admin.GetJsonAsync($"/api/sessions?identity={Uri.EscapeDataString(key)}");
        Assert.Equal(hash, Assert.Single(sessions.EnumerateArray()).GetProperty("identity").GetProperty("value").GetString());
        Assert.Equal(hash, Assert.Single(identities.EnumerateArray()).GetProperty("identity").GetString());
        Assert.Equal("Hash", status.GetProperty("listeners")[0].GetProperty("identityDisplay").GetString());
        Assert.Single(filtered.EnumerateArray());
        Assert.Empty(byKey.EnumerateArray());

        // Killing by the key itself finds nothing; by the hash shown, the session.
        var none = await DeleteAsync(admin, $"/api/sessions?listener=api&identity={Uri.EscapeDataString(key)}");
        Assert.Equal(0, none.GetProperty("killed").GetInt32());
        var killed = await DeleteAsync(admin, $"/api/sessions?listener=api&identity={Uri.EscapeDataString(hash)}");
        Assert.Equal(1, killed.GetProperty("killed").GetInt32());
        await ClosedAsync(first);
        var closed = await stream.NextAsync(Soon, m => m.Event == "event" && m.Data.GetProperty("kind").GetString() == "closed");
        Assert.Equal(hash, closed.Data.GetProperty("identity").GetString());
        var killedEvent = Assert.Single(admin.Gateway.Logs.Records, r => r.EventId.Id == UsherEvents.SessionKilled);
        Assert.Equal(hash, killedEvent["Identity"]);

        // ASP.NET Core's own request lines (which hold this test's query strings) are not among them: usher logs the
        // Microsoft categories from Warning only.
        var logged = admin.Gateway.Logs.Records.Where(r => !r.Category.StartsWith("Microsoft.", StringComparison.Ordinal))
            .SelectMany(r => r.State.Select(p => $"{p.Key}={p.Value}").Append(r.Message));
        var seen = string.Join('\n', stream.Seen.Append(sessions.ToString()).Append(identities.ToString()).Concat(logged));
        Assert.Contains(hash, seen, StringComparison.Ordinal);
        Assert.DoesNotContain(key, seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prefix_names_the_sessions_to_kill_and_a_prefix_two_keys_share_kills_nothing()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: Api(backend.EndPoint, IdentityDisplay.Prefix));
        using var live1 = await SendKeyAsync(admin, NewKey("sk_live_"));
        using var live2 = await SendKeyAsync(admin, NewKey("sk_live_"));
        using var test = await SendKeyAsync(admin, NewKey("pk_test_"));
        Assert.True(await live1.IsAdmittedAsync() && await live2.IsAdmittedAsync() && await test.IsAdmittedAsync());

        var identities = await admin.GetJsonAsync("/api/identities");
        Assert.Equal(["pk_t…", "sk_l…", "sk_l…"], identities.EnumerateArray().Select(c => c.GetProperty("identity").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await admin.GetJsonAsync("/api/sessions?identity=sk_l...")).GetArrayLength());

        var detail = await admin.ProblemAsync(HttpMethod.Delete, "/api/sessions?listener=api&identity=sk_l...", HttpStatusCode.Conflict);
        Assert.Contains("more than one identity", detail, StringComparison.Ordinal);
        Assert.Equal(3, admin.Sessions.Count);

        var killed = await DeleteAsync(admin, "/api/sessions?listener=api&identity=pk_t...");
        Assert.Equal(1, killed.GetProperty("killed").GetInt32());
        await ClosedAsync(test);
    }

    private static ListenerSettings Api(IPEndPoint backend, IdentityDisplay? display = null)
    {
        var l = TestGateway.Listener(backend, "api");
        return new ListenerSettings
        {
            Name = l.Name, Listen = l.Listen, BackendHost = l.BackendHost, BackendPort = l.BackendPort, UserTimeout = l.UserTimeout,
            Identity = IdentityKind.HttpHeader, IdentityArgument = "X-Api-Key", MaxSessionsPerIdentity = 1,
            IdentityDisplay = display ?? IdentityDisplayDefault.For(IdentityKind.HttpHeader, "X-Api-Key"),
        };
    }

    private static string NewKey(string prefix) => prefix + RandomNumberGenerator.GetHexString(24, lowercase: true);

    private static async Task<TestClient> SendKeyAsync(TestAdmin admin, string key)
    {
        var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        await client.SendAsync($"GET / HTTP/1.1\r\nHost: api\r\nX-Api-Key: {key}\r\n\r\n");
        return client;
    }

    /// <summary>Reads what the backend echoed until the connection closes (a kill closes it).</summary>
    private static async Task ClosedAsync(TestClient client)
    {
        for (var reads = 0; await client.ReadAsync(Soon) is not null; reads++)
        {
            Assert.True(reads < 100, "the connection stayed open");
        }
    }

    private static async Task<JsonElement> DeleteAsync(TestAdmin admin, string path)
    {
        using var response = await admin.Http.DeleteAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"DELETE {path}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }
}
