using System.Globalization;
using System.Text.RegularExpressions;
using Usher.Diagnostics;
using Usher.Testing;

namespace Usher.Admin.Tests;

/// <summary><c>GET /metrics</c>: the gateway's instruments in the Prometheus text format, labelled by listener and
/// close reason, one registry per gateway.</summary>
public sealed partial class MetricsTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Metrics_count_a_session_admitted_then_closed_by_listener_and_reason()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg"));

        var before = await ScrapeAsync(admin);
        Assert.Equal(0, Value(before, "usher_sessions_admitted_total", "listener=\"pg\""));
        Assert.Contains("# TYPE usher_sessions_admitted_total counter", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE usher_sessions_open gauge", before, StringComparison.Ordinal);

        using (var client = await TestClient.ConnectAsync(admin.Gateway.EndPoint))
        {
            Assert.True(await client.IsAdmittedAsync());
            await client.SendAsync("ping\n");
            Assert.Equal("ping\n", await client.ReadAsync());
            var open = await ScrapeAsync(admin);
            Assert.Equal(1, Value(open, "usher_sessions_admitted_total", "listener=\"pg\""));
            Assert.Equal(1, Value(open, "usher_sessions_open", null));
            Assert.Equal(1, Value(open, "usher_listener_sessions_open", "listener=\"pg\""));
        }

        // 9642 is logged once the close is counted.
        await admin.Gateway.Logs.WaitForAsync(UsherEvents.SessionClosed, Soon);
        var after = await ScrapeAsync(admin);
        Assert.Equal(1, Value(after, "usher_sessions_closed_total", "listener=\"pg\",reason=\"ClientClosed\""));
        Assert.Equal(5, Value(after, "usher_bytes_total", "listener=\"pg\",direction=\"from_client\""));
        Assert.Equal(0, Value(after, "usher_sessions_open", null));
    }

    [Fact]
    public async Task A_kill_and_a_refusal_are_counted_with_their_labels()
    {
        await using var backend = new SessionServer();
        await using var admin = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "pg").With(maxSessionsPerIdentity: 1));
        using var first = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.True(await first.IsAdmittedAsync());
        using var second = await TestClient.ConnectAsync(admin.Gateway.EndPoint);
        Assert.Null(await second.ReadAsync());
        var id = Assert.Single(admin.Sessions.List()).Id;

        using var kill = await admin.Http.DeleteAsync($"/api/sessions/{id}");
        kill.EnsureSuccessStatusCode();

        var text = await ScrapeAsync(admin);
        Assert.Equal(1, Value(text, "usher_sessions_refused_total", "listener=\"pg\",limit=\"identity\""));
        Assert.Equal(1, Value(text, "usher_sessions_closed_total", "listener=\"pg\",reason=\"Killed\""));
    }

    [Fact]
    public async Task Each_gateway_exports_its_own_instruments_only()
    {
        await using var backend = new SessionServer();
        await using var one = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "one"));
        await using var two = await TestAdmin.StartAsync(listeners: TestGateway.Listener(backend.EndPoint, "two"));
        using var client = await TestClient.ConnectAsync(two.Gateway.EndPoint);
        Assert.True(await client.IsAdmittedAsync());

        var first = await ScrapeAsync(one);
        var second = await ScrapeAsync(two);

        Assert.DoesNotContain("listener=\"two\"", first, StringComparison.Ordinal);
        Assert.Equal(0, Value(first, "usher_sessions_open", null));
        Assert.DoesNotContain("listener=\"one\"", second, StringComparison.Ordinal);
        Assert.Equal(1, Value(second, "usher_sessions_admitted_total", "listener=\"two\""));
    }

    private static async Task<string> ScrapeAsync(TestAdmin admin)
    {
        using var response = await admin.Http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the sample <paramref name="name"/>{<paramref name="labels"/>}; fails when it is absent.</summary>
    private static double Value(string exposition, string name, string? labels)
    {
        var sample = labels is null ? name : $"{name}{{{labels}}}";
        foreach (Match m in SampleLine().Matches(exposition))
        {
            if (m.Groups["sample"].Value == sample)
            {
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no sample {sample} in:{Environment.NewLine}{exposition}");
        return double.NaN;
    }

    [GeneratedRegex(@"^(?<sample>[a-z_]+(\{[^}]*\})?) (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
