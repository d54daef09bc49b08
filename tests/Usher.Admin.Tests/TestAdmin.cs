using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Usher.Admin;
using Usher.Configuration;
using Usher.Control;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary>A gateway on loopback with its admin endpoint (port 0) and an HTTP client for it (with the token when
/// one is configured).</summary>
internal sealed class TestAdmin : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private TestAdmin(TestGateway gateway, AdminServer server, HttpClient http)
    {
        Gateway = gateway;
        Server = server;
        Http = http;
    }

    public TestGateway Gateway { get; }

    public AdminServer Server { get; }

    /// <summary>A client of the admin endpoint, sending the token when there is one.</summary>
    public HttpClient Http { get; }

    public Uri Url => Server.Url!;

    /// <summary>The gateway's sessions as the admin endpoint sees them (its control interface).</summary>
    public ISessionControl Sessions => Gateway.Gateway.Control.Sessions;

    public static async Task<TestAdmin> StartAsync(string? token = null, int? maxSessions = null, params ListenerSettings[] listeners) =>
        await StartAsync(token, maxSessions, allowedHosts: [], listeners);

    public static async Task<TestAdmin> StartAsync(string? token, int? maxSessions, IReadOnlyList<string> allowedHosts, params ListenerSettings[] listeners)
    {
        var gateway = TestGateway.Start(new GatewaySettings
        {
            Listeners = listeners,
            MaxSessions = maxSessions,
            ShutdownGrace = TimeSpan.FromSeconds(1),
        });
        var admin = new AdminSettings
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Token = token,
            TokenFile = token is null ? null : "/etc/usher/admin.token",
            AllowedHosts = allowedHosts,
        };
        var server = new AdminServer(admin, gateway.Gateway.Control, gateway.Logs.CreateFactory());
        await server.StartAsync();
        var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new TestAdmin(gateway, server, http);
    }

    /// <summary>GETs <paramref name="path"/>, expects 200 and returns the JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    /// <summary>Sends a request expecting a problem answer with <paramref name="status"/>; returns its detail.</summary>
    public async Task<string> ProblemAsync(HttpMethod method, string path, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("title").GetString()));
        return json.RootElement.GetProperty("detail").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}
